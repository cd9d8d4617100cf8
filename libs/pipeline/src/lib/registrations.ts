// Every pluggable kind a config may name must be registered before the master validates a
// config (`type:` strings are looked up in the registry), so the master loads the libs that
// register them, as the generator and the workers do for their own kinds.
import '@vela/algorithms';
import '@vela/datasets';
import '@vela/networks';
import '@vela/trainer';
import './steps/search-step.executor';
import './steps/fixed-trials.executor';
