// For set-up after no adapter was found: prints what the NVIDIA Vulkan stack lacks and exits 0
// where there is an NVIDIA GPU (installing a software adapter there would benchmark the CPU);
// exits 1 where there is none, so set-up goes on to install lavapipe. Needs the build.
import { nvidiaDiagnosis } from '../dist/gpu/diagnose.js';

const hint = nvidiaDiagnosis();
if (hint) console.log(hint);
process.exit(hint ? 0 : 1);
