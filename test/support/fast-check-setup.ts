/**
 * fast-check in jest: locally every run draws new inputs (and a failure prints its seed, replayable with
 * FC_SEED=<seed>); under CI=true the seed is fixed, so a landing run is reproducible. Either way FC_SEED wins.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261201' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
