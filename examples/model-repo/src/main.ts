/** `npm run synth`: writes the team's manifests and DAGs to dist/ (or $OUTDIR). */
import { App } from 'modelplane';
import { defineModels } from './models';

const app = new App({ outdir: process.env.OUTDIR ?? 'dist' });
defineModels(app);
app.synth();
