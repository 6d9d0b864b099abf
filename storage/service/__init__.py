"""The segmentation service: plain values in, plain values out, one session (unit of work) per call."""
