import { registerer } from '@vela/registry';
import { DartsNetwork } from './darts/darts.network';
import { LinearClassificationHeadNetwork } from './linear-head/linear-classification-head.network';
import { MlpNetwork } from './mlp/mlp.network';
import { PruneResNetNetwork } from './prune-resnet/prune-resnet.network';
import { ResNetGeneralNetwork, ResNetNetwork, resnetBlockModule } from './resnet/resnet.network';
import { SimpleCnnNetwork } from './simple-cnn/simple-cnn.network';
import { VggNetwork } from './vgg/vgg.network';

/** Every network family, one line each; registry keys are Vega's `type:` strings. */
const registerNetwork = registerer('network');

registerNetwork('ResNet', ResNetNetwork, { role: 'backbone', description: 'ResNet by depth, base_channel, stages, doublechannel/downsample or chn_node; with pooling and classifier' });
registerNetwork('ResNetGeneral', ResNetGeneralNetwork, { role: 'backbone', description: 'the ResNet body without a classifier, for a head' });
registerNetwork('PruneResNet', PruneResNetNetwork, { role: 'backbone', description: "Prune-EA's CIFAR ResNet from per-layer channel lists chn/chn_node" });
registerNetwork('SimpleCnn', SimpleCnnNetwork, { role: 'backbone', description: "Vega's SimpleCnn: blocks × (conv + BN + ReLU) of width channels" });
registerNetwork('MLP', MlpNetwork, { role: 'customs', aliases: ['Mlp'], description: 'a multi-layer perceptron over the flattened input' });
registerNetwork('VGG', VggNetwork, { role: 'backbone', aliases: ['Vgg'], description: 'a VGG-style CNN by depth and base_channel, or by cfg' });
registerNetwork('LinearClassificationHead', LinearClassificationHeadNetwork, { role: 'head', description: 'global average pooling + linear classifier' });
registerNetwork('BasicBlock', resnetBlockModule('BasicBlock'), { role: 'blocks', description: "ResNet's two-conv residual block" });
registerNetwork('BottleneckBlock', resnetBlockModule('BottleneckBlock'), { role: 'blocks', description: "ResNet's 1x1-3x3-1x1 residual block" });
registerNetwork('DartsNetwork', DartsNetwork, { role: 'super_network', description: 'a DARTS cell network built from a genotype' });
