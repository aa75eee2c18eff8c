import { App, Image, context } from 'everai';
import { IMAGE } from './image_builder';

const SECRET_NAME = 'show-config-secret';
const CONFIGMAP_NAME = 'show-config-configmap';

/** Answers its secret's and configmap's values by key: what the platform gave this worker. */
export const app = new App('show-config', {
  image: Image.fromRegistry(IMAGE),
  secretRequests: [SECRET_NAME],
  configmapRequests: [CONFIGMAP_NAME],
});

const answer = (value: string | undefined, what: string) =>
  value === undefined ? new Response(`no ${what}\n`, { status: 404 }) : `${value}\n`;

app.service.route('/secret/{key}', { methods: ['GET'] }, (_req, { params }) =>
  answer(context.getSecret(SECRET_NAME).get(params.key ?? ''), `secret key '${params.key}'`),
);

app.service.route('/configmap/{key}', { methods: ['GET'] }, (_req, { params }) =>
  answer(context.getConfigMap(CONFIGMAP_NAME).get(params.key ?? ''), `configmap key '${params.key}'`),
);
