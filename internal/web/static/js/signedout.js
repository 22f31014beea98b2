// The page after signing out: translated, nothing else to do.
import { start } from './layout.js';

await start();
document.body.dataset.ready = 'true';
