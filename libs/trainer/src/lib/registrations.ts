import type { ArgReader } from '@vela/networks';
import { registerer } from '@vela/registry';
import { EarlyStoppingCallback } from './callbacks/early-stopping.callback';
import { LearningRateSchedulerCallback } from './callbacks/lr-scheduler.callback';
import { MetricsEvaluatorCallback } from './callbacks/metrics-evaluator.callback';
import { ModelCheckpointCallback } from './callbacks/model-checkpoint.callback';
import { ModelStatisticsCallback } from './callbacks/model-statistics.callback';
import { PerformanceSaverCallback } from './callbacks/performance-saver.callback';
import { ProgressLoggerCallback } from './callbacks/progress-logger.callback';
import { ReportCallback } from './callbacks/report.callback';
import { CrossEntropyLoss } from './losses/cross-entropy.loss';
import { RegressionLoss } from './losses/regression.loss';
import { CosineAnnealingLrScheduler } from './lr-schedulers/cosine-annealing-lr.lr-scheduler';
import { ExponentialLrScheduler } from './lr-schedulers/exponential-lr.lr-scheduler';
import { MultiStepLrScheduler } from './lr-schedulers/multi-step-lr.lr-scheduler';
import { StepLrScheduler } from './lr-schedulers/step-lr.lr-scheduler';
import { WarmupLrScheduler } from './lr-schedulers/warmup.lr-scheduler';
import { AccuracyMetric } from './metrics/accuracy.metric';
import { ErrorMetric } from './metrics/error.metric';
import { AdamOptimizer } from './optimizers/adam.optimizer';
import { RmsPropOptimizer } from './optimizers/rmsprop.optimizer';
import { SgdOptimizer } from './optimizers/sgd.optimizer';
import { Trainer } from './trainer';

// Registry keys are Vega's `type:` strings (PyTorch's class names); one line per plug-in.
const optimizer = registerer('optimizer');
optimizer('SGD', (args) => new SgdOptimizer(args), { description: 'SGD with momentum, dampening, nesterov and L2 weight decay' });
optimizer('Adam', (args) => new AdamOptimizer(args, false), { description: 'Adam with L2 weight decay' });
optimizer('AdamW', (args) => new AdamOptimizer(args, true), { description: 'Adam with decoupled weight decay' });
optimizer('RMSprop', (args) => new RmsPropOptimizer(args), { aliases: ['RMSProp'], description: 'RMSprop, optionally centered, with momentum' });

const loss = registerer('loss');
loss('CrossEntropyLoss', (args) => new CrossEntropyLoss(args), { aliases: ['CrossEntropy'], description: 'softmax cross-entropy with label smoothing' });
loss('MSELoss', (args) => new RegressionLoss('MSELoss', args), { aliases: ['MSE'], description: 'mean squared error' });
loss('L1Loss', (args) => new RegressionLoss('L1Loss', args), { aliases: ['L1'], description: 'mean absolute error' });

const lrScheduler = registerer('lr_scheduler');
lrScheduler('StepLR', (args) => new StepLrScheduler(args), { description: 'decay by gamma every step_size epochs' });
lrScheduler('MultiStepLR', (args) => new MultiStepLrScheduler(args), { description: 'decay by gamma at each milestone' });
lrScheduler('CosineAnnealingLR', (args, context) => new CosineAnnealingLrScheduler(args, context), { description: 'cosine from lr to eta_min over T_max epochs' });
lrScheduler('ExponentialLR', (args) => new ExponentialLrScheduler(args), { description: 'decay by gamma every epoch' });
lrScheduler('WarmupScheduler', (args, context) => new WarmupLrScheduler(args, context), { aliases: ['WarmupLR'], description: 'linear warm-up, then another scheduler' });

const metric = registerer('metric');
metric('accuracy', (args) => new AccuracyMetric(args), { aliases: ['Accuracy'], description: 'top-k classification accuracy' });
metric('mse', (args) => new ErrorMetric('mse', args), { aliases: ['MSE'], description: 'mean squared error' });
metric('mae', (args) => new ErrorMetric('mae', args), { aliases: ['MAE'], description: 'mean absolute error' });

const callback = registerer('callback');
const plain = <T>(Type: new () => T) => (_args: ArgReader) => new Type();
callback('ModelStatistics', plain(ModelStatisticsCallback), { description: 'flops and params in every record' });
callback('MetricsEvaluator', plain(MetricsEvaluatorCallback), { description: 'losses and metrics of training and validation' });
callback('ModelCheckpoint', plain(ModelCheckpointCallback), { description: 'per-epoch checkpoint to the artifact store; resume' });
callback('PerformanceSaver', plain(PerformanceSaverCallback), { description: 'best epoch, performance.json and model_best weights' });
callback('LearningRateScheduler', plain(LearningRateSchedulerCallback), { description: 'sets the learning rate from the schedule' });
callback('ProgressLogger', plain(ProgressLoggerCallback), { description: 'progress lines' });
callback('ReportCallback', plain(ReportCallback), { description: "hands each epoch's record to the reporter" });
callback('EarlyStopping', (args) => new EarlyStoppingCallback(args), { description: 'stops when the monitored metric stops improving' });

registerer('trainer')('Trainer', (options) => new Trainer(options), { description: "Vega's callback training loop" });
