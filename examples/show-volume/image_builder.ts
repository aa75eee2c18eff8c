export const IMAGE = 'show-volume:v1';
