"""The experiment engine: designs, replicates, local or Dask execution, resumable results.

Experiment definitions (TOML) live beside this package's modules. ``model/``
never imports this package.
"""
