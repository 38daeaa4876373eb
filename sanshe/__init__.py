"""The program around the model.

The ``sanshe`` command's single-run commands (:mod:`sanshe.cli`), result files
(:mod:`sanshe.output`), the calibration report (:mod:`sanshe.calibration`) and
the documentation generator (:mod:`sanshe.describe`). The simulation is
:mod:`model`, which imports nothing from here; experiments (sweeps, analysis,
reports, the dashboard) are :mod:`experiments`.
"""
