#!/usr/bin/env node
// The CLI runs from one bundled module (scripts/bundle.mjs) for a fast start.
import { main } from '../dist/farclaw.mjs';

process.exitCode = await main(process.argv);
