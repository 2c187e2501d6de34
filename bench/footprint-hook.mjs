// For bench/footprint.mjs: the module hook bin/ordinal.js installs (TYPED=1: as for `ordinal local`).
import { slimClientNode } from '../bin/slim-client-node.js';

slimClientNode({ typedClients: process.env.TYPED === '1' });
