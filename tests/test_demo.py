"""The main job runs end to end, on small settings."""

from sktransfer.demo import main


def test_demo_prints_the_adaptation_table_and_saves_the_plot(tmp_path, capsys):
    plot = tmp_path / "features.png"
    tables = main(["demo", "--epochs", "1", "--n-images", "120", "--plot", str(plot)])
    out = capsys.readouterr().out
    for pair in ("MNIST -> MNIST-M", "UCI digits -> MNIST"):
        assert set(tables[pair]) == {
            "source only",
            "SA",
            "CORAL",
            "DANN",
            "CDAN+E + MCC",
            "train on target",
        }
        assert f"| {pair} | DANN |" in out
        assert f"| {pair} | CDAN+E + MCC |" in out
        # The plotted features: source only and each deep method, every row.
        kept = [
            name for name, row in tables[pair].items() if row["features"] is not None
        ]
        assert kept == ["source only", "DANN", "CDAN+E + MCC"]
        assert all(len(tables[pair][name]["features"]) == 240 for name in kept)
    assert plot.stat().st_size > 10_000


def test_shift_measures_every_pair(capsys):
    reports = main(["shift", "--n-images", "60", "--permutations", "20"])
    assert len(reports) == 7
    assert all(0 <= r.proxy_a_distance <= 2 and 0 < r.mmd_pvalue <= 1 for r in reports)
    assert "| UCI digits -> MNIST-M |" in capsys.readouterr().out
