"""A student working backpropagation problems by hand, with classic mistakes injected; independent of bpcalc."""
