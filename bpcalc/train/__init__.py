"""Training on a data set: data files, a vectorised trainer, loss curves, a fit verdict and a hyperparameter grid."""
