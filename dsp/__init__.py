"""Pure numerical core of the SHM workbench.

Arrays in, frozen dataclasses out; no I/O, no Qt, no state. Signals are ``(n_samples, n_channels)``
float arrays, sampling rates in Hz, damping as a ratio.
"""
