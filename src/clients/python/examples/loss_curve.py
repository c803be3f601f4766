"""Saves a training loss curve as a picture, with Debian's matplotlib (python3-matplotlib) when it is there."""


def save_loss_curve(losses, path, title):
    """Plots losses by step on a log scale and writes the figure to path (.png, .svg or .pdf)."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("--plot needs matplotlib: apt-get install python3-matplotlib") from None
    matplotlib.use("Agg")  # no display needed
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 3.5), dpi=100)
    axes.plot(range(len(losses)), losses, color="#1565c0")
    axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("loss (log scale)")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
