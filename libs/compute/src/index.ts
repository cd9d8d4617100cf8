// Public surface of @vela/compute.
export * from './lib/backend';
export { registerVelaKernels, MISSING_KERNELS, REPLACED_KERNELS } from './lib/kernels/register';
export type { VelaKernelOptions } from './lib/kernels/register';
