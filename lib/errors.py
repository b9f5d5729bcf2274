"""Errors a learner can read.

Pages catch these and show them with ``st.error``; nobody should see a traceback
for bad input or a missing model.
"""


class InputError(ValueError):
    """Input the function cannot work with, explained in plain words.

    Example: ``InputError("Sampling rate must be positive; got 0 Hz")``.
    """


class WeightsUnavailable(RuntimeError):
    """Pretrained weights are not on this machine and cannot be fetched now.

    The message says exactly which files are missing and how to get them on a
    connected machine (the command to run and where the files must end up).
    """
