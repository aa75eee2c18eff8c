/** The image `everai image build` builds and pushes. */
export const IMAGE = 'autoscale:v1';
