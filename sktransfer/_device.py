"""The device ``"auto"`` stands for, one rule for the nets and the text embedder."""


def resolve_device(device):
    """The device ``"auto"`` stands for: CUDA when it is available, else the CPU."""
    if isinstance(device, str) and device == "auto":
        # Imported here: `import sktransfer` does not load torch.
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
