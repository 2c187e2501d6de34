#!/usr/bin/env node
// Entry point. Node >= 22.18 runs the TypeScript sources directly (type stripping);
// `npm run build` emits dist/ for installs where stripping is unavailable.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(dist) && process.env.ORDINAL_FROM_SRC !== '1' ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
