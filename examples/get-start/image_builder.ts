/** The image `everai image build` builds and pushes; `everai app upgrade --image` re-resolves it. */
export const IMAGE = 'get-start:v1';
