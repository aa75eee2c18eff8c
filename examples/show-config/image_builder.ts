/** The image `everai image build` builds and pushes. */
export const IMAGE = 'show-config:v1';
