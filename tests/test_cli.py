"""The command line (fcnn.cli): every command in-process, `python -m fcnn` in a subprocess."""

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fcnn
from fcnn import cli
from fcnn.datasets import load_mnist_sample

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fcnn.__file__)))
FAST_TRAIN = ["--sizes", "784,20,10", "--epochs", "2", "--train-samples", "2000", "--seed", "3"]


def run(capsys, *argv):
    """(exit status, stdout, stderr) of `fcnn argv...` run in this process."""
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0]


def write_idx_gz(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    path.write_bytes(gzip.compress(header + array.tobytes()))
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A small model trained by `fcnn train` on the bundled sample, and train's output."""
    path = tmp_path_factory.mktemp("model") / "small.fcnn"
    status = cli.main(["train", "--out", str(path), "--quiet", *FAST_TRAIN])
    assert status == 0 and path.is_file()
    return path


# ---------------------------------------------------------------- help


def test_every_option_of_every_command_has_help_and_its_default():
    parser = cli.build_parser()
    assert set(parser.commands) == {
        "demo",
        "train",
        "evaluate",
        "predict",
        "bench",
        "export",
        "import",
    }
    for name, command in parser.commands.items():
        formatter = command._get_formatter()
        text = command.format_help()
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and action.help.strip(), (name, action.dest)
            if action.option_strings:  # options say their default; positionals have none
                assert "default" in formatter._get_help_string(action), (name, action.dest)
                for option in action.option_strings:
                    assert option in text, (name, option)
            else:
                assert action.metavar in text


def test_help_of_python_dash_m_fcnn_in_a_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for argv, expected in [
        (["--help"], ["demo", "train", "evaluate", "predict", "bench"]),
        (["train", "--help"], ["--sizes", "--optimizer", "--out"]),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "fcnn", *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("usage: fcnn")
        assert all(word in done.stdout for word in expected)


def test_version_and_command_line_errors_exit_2_in_one_line(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"fcnn {fcnn.__version__}"
    for argv, fragment in [
        (["train", "--out", "m", "--sizes", "784,x"], "--sizes"),
        (["train", "--out", "m", "--optimizer", "lbfgs"], "--optimizer"),
        (["train", "--out", "m", "--dropout", "1.5"], "--dropout"),
        (["train"], "--out"),
        (["evaluate", "m", "--bogus"], "unrecognized arguments: --bogus"),
        (["fly"], "invalid choice"),
    ]:
        status, _, err = run(capsys, *argv)
        assert status == 2, argv
        assert_one_line_error(err, "error", fragment)


# ---------------------------------------------------------------- demo


def test_demo_trains_and_reports_each_epoch(capsys):
    status, out, err = run(
        capsys, "demo", "--epochs", "2", "--train-samples", "2000", "--seed", "1"
    )
    assert status == 0, err
    epochs = re.findall(r"^epoch (\d)/2  cost ([\d.]+) .*val_accuracy ([\d.]+)", out, re.M)
    assert [e[0] for e in epochs] == ["1", "2"]
    assert float(epochs[1][1]) < float(epochs[0][1])  # the training cost falls
    final = float(re.search(r"^test accuracy: ([\d.]+)", out, re.M).group(1))
    assert final == float(epochs[1][2]) and final > 0.75  # 2,000 images, 2 epochs: ~0.82
    assert "test images are the validation data" in out


# ---------------------------------------------------------------- train, evaluate


def test_train_prints_epochs_and_test_accuracy_and_saves(tmp_path, capsys):
    path = tmp_path / "m.fcnn"
    status, out, err = run(capsys, "train", "--out", path, "--validation-split", "0.1", *FAST_TRAIN)
    assert status == 0, err
    assert "epoch 1/2" in out and "epoch 2/2" in out and "val_accuracy" in out
    assert re.search(r"^validation accuracy: 0\.\d{4}$", out, re.M)
    reported = float(re.search(r"^test accuracy: ([\d.]+)$", out, re.M).group(1))
    net = fcnn.io.load(path)
    assert list(net.sizes) == [784, 20, 10]
    X_test, y_test = load_mnist_sample("test")
    assert reported == pytest.approx(net.evaluate(X_test, y_test)["accuracy"], abs=5e-5)
    assert reported > 0.7


def test_train_passes_its_options_to_the_network(tmp_path, capsys):
    path = tmp_path / "adam.fcnn"
    status, out, err = run(
        capsys,
        "train",
        "--out",
        path,
        "--activations",
        "relu,softmax",
        "--cost",
        "log_likelihood",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--dtype",
        "float32",
        "--l2",
        "0.5",
        "--dropout",
        "0.1",
        "--quiet",
        *FAST_TRAIN,
    )
    assert status == 0, err
    assert "epoch 1/2" not in out  # --quiet
    net = fcnn.io.load(path)
    assert net.dtype == np.float32
    assert [f.name for f in net.activations] == ["relu", "softmax"]
    assert net.cost.name == "log_likelihood"
    assert isinstance(net.optimizer, fcnn.Adam) and net.optimizer.lr == pytest.approx(0.01)
    assert float(re.search(r"test accuracy: ([\d.]+)", out).group(1)) > 0.6


def test_train_and_evaluate_on_a_data_folder(tmp_path, capsys):
    X, y = load_mnist_sample("train")
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx_gz(folder / "train-images-idx3-ubyte.gz", (X[:500] * 255).round().reshape(-1, 28, 28))
    write_idx_gz(folder / "train-labels-idx1-ubyte.gz", y[:500])
    path = tmp_path / "m.fcnn"
    status, out, err = run(
        capsys, "train", "--out", path, "--data", folder, "--epochs", "1", "--quiet"
    )
    assert status == 0, err
    assert "on 500 images of MNIST from" in out
    assert "test accuracy" not in out  # the folder has no test files
    status, out, err = run(capsys, "evaluate", path, "--data", folder, "--split", "train")
    assert status == 0 and "train images: 500" in out
    status, _, err = run(capsys, "evaluate", path, "--data", folder)
    assert status == 1
    assert_one_line_error(err, "fcnn evaluate: error:", "t10k-images-idx3-ubyte")


def test_evaluate_prints_cost_and_accuracy_of_the_model(model, capsys):
    status, out, err = run(capsys, "evaluate", model)
    assert status == 0, err
    net = fcnn.io.load(model)
    expected = net.evaluate(*load_mnist_sample("test"))
    cost = float(re.search(r"^cost: (\S+)$", out, re.M).group(1))
    accuracy = float(re.search(r"^accuracy: (\S+)$", out, re.M).group(1))
    assert cost == pytest.approx(expected["cost"], rel=1e-5)
    assert accuracy == pytest.approx(expected["accuracy"], abs=5e-5)


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["evaluate", "{tmp}/absent.fcnn"], ["absent.fcnn"]),
        (["train", "--out", "{tmp}/m", "--sizes", "100,10"], ["--sizes starts with 100", "784"]),
        (["train", "--out", "{tmp}/m", "--activations", "sigmoid,bogus"], ["bogus"]),
        (["train", "--out", "{tmp}/no/such/folder/m"], ["folder", "does not exist"]),
        (["train", "--out", "{tmp}/m", "--data", "{tmp}"], ["train-images-idx3-ubyte"]),
        (
            ["train", "--out", "{tmp}/m", "--optimizer", "rmsprop", "--momentum", "0.9"],
            ["--momentum"],
        ),
        (["train", "--out", "{tmp}/m", "--sizes", "784,30,5", "--train-samples", "50"], ["labels"]),
        (
            [
                "train",
                "--out",
                "{tmp}/m",
                "--activations",
                "relu,linear",
                "--lr",
                "1e9",
                "--epochs",
                "1",
                "--train-samples",
                "500",
            ],
            ["diverged"],
        ),
    ],
)
def test_errors_print_one_line_and_exit_1(tmp_path, capsys, argv, fragments):
    status, _, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert status == 1
    assert_one_line_error(err, f"fcnn {argv[0]}: error:", *fragments)


# ---------------------------------------------------------------- predict


def test_predict_npy_csv_and_idx_inputs(model, tmp_path, capsys):
    net = fcnn.io.load(model)
    X_test, _ = load_mnist_sample("test")
    X = X_test[:25]
    expected_labels = net.predict(X).argmax(axis=1)
    np.save(tmp_path / "x.npy", X)
    np.savetxt(tmp_path / "x.csv", X, delimiter=",")
    write_idx_gz(tmp_path / "x-idx3-ubyte.gz", (X * 255).round().reshape(-1, 28, 28))
    for name in ("x.npy", "x.csv", "x-idx3-ubyte.gz"):
        status, out, err = run(capsys, "predict", model, tmp_path / name)
        assert status == 0, (name, err)
        np.testing.assert_array_equal(np.array(out.split(), dtype=int), expected_labels)
        # The output activations too: the IDX file's uint8 pixels are scaled by 1/255.
        status, out, err = run(capsys, "predict", model, tmp_path / name, "--proba")
        assert status == 0, (name, err)
        rows = np.loadtxt(out.splitlines(), delimiter=",", ndmin=2)
        np.testing.assert_allclose(rows, net.predict(X), rtol=1e-9, atol=1e-12)

    written = tmp_path / "labels.csv"
    status, out, _ = run(capsys, "predict", model, tmp_path / "x.csv", "--output", written)
    assert status == 0 and out == ""
    np.testing.assert_array_equal(np.loadtxt(written, dtype=int), expected_labels)


def test_predict_labels_of_a_single_output_network_are_thresholded(tmp_path, capsys):
    net = fcnn.Network([784, 3, 1], "sigmoid", seed=0)
    net.biases[1][:] = 0.0
    net.weights[1][:] = [[4.0, -4.0, 0.0]]  # output > 0.5 exactly when unit 1 beats unit 2
    net.save(tmp_path / "binary.fcnn")
    X = load_mnist_sample("test")[0][:40]
    np.save(tmp_path / "x.npy", X)
    status, out, err = run(capsys, "predict", tmp_path / "binary.fcnn", tmp_path / "x.npy")
    assert status == 0, err
    expected = (net.predict(X)[:, 0] >= 0.5).astype(int)
    assert 0 < expected.sum() < 40  # both labels occur
    np.testing.assert_array_equal(np.array(out.split(), dtype=int), expected)


def test_predict_one_sample_and_bad_inputs(model, tmp_path, capsys):
    X_test, _ = load_mnist_sample("test")
    np.save(tmp_path / "one.npy", X_test[0])
    status, out, _ = run(capsys, "predict", model, tmp_path / "one.npy")
    assert status == 0 and out == f"{fcnn.io.load(model).predict(X_test[0]).argmax()}\n"

    (tmp_path / "words.csv").write_text("a,b,c\n")
    np.save(tmp_path / "narrow.npy", np.zeros((3, 5)))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name, fragment in [
        ("absent.npy", "absent.npy"),
        ("words.csv", "no samples"),
        ("narrow.npy", "(3, 5)"),
        ("objects.npy", "allow_pickle"),
    ]:
        status, _, err = run(capsys, "predict", model, tmp_path / name)
        assert status == 1, name
        assert_one_line_error(err, "fcnn predict: error:", fragment)


# ---------------------------------------------------------------- bench


def test_bench_without_the_benchmarks_folder_times_fcnn_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "bench", "--quick", "--epochs", "1", "--markdown", "r.md")
    assert status == 0, err
    assert "no benchmarks/run.py" in err and "ignoring --markdown" in err
    assert "2,000 images of the bundled MNIST sample" in out
    rate = float(
        re.search(r"^median: ([\d,]+) training samples/s", out, re.M).group(1).replace(",", "")
    )
    assert rate > 1000


@pytest.fixture
def fake_benchmarks(tmp_path):
    """A benchmarks/run.py that records how it was run, and fails when asked."""
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    (folder / "run.py").write_text(
        "import json, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'python': sys.executable}}, "
        f"open({str(tmp_path / 'record.json')!r}, 'w'))\n"
        "sys.exit(3 if '--fail' in sys.argv else 0)\n"
    )
    return folder


def test_bench_runs_benchmarks_run_py_with_the_options(fake_benchmarks, tmp_path, capsys):
    status, _, err = run(
        capsys,
        "bench",
        "--benchmarks-dir",
        fake_benchmarks,
        "--quick",
        "--configs",
        "A,E",
        "--markdown",
        "r.md",
        "--unknown-flag",
        "7",
    )
    assert status == 0, err
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["python"] == sys.executable
    assert record["argv"] == [
        "--quick",
        "--configs",
        "A,E",
        "--markdown",
        "r.md",
        "--unknown-flag",
        "7",
    ]
    status, _, _ = run(capsys, "bench", "--benchmarks-dir", fake_benchmarks, "--fail")
    assert status == 3  # run.py's exit status is fcnn bench's


def test_bench_finds_benchmarks_in_the_current_folder(
    fake_benchmarks, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, "bench", "--epochs", "4")
    assert status == 0 and "no benchmarks" not in err
    assert json.loads((tmp_path / "record.json").read_text())["argv"] == ["--epochs", "4"]
    status, _, err = run(capsys, "bench", "--benchmarks-dir", tmp_path / "elsewhere")
    assert status == 1
    assert_one_line_error(err, "fcnn bench: error:", "holds no run.py")


def test_python_dash_m_fcnn_runs_main():
    import fcnn.__main__ as entry  # importing must not run the command line

    assert entry.main is cli.main


# ---------------------------------------------------------------- what a new user meets


def test_fcnn_without_a_command_prints_its_help_and_exits_0(capsys):
    status, out, err = run(capsys)
    assert status == 0 and err == ""
    assert out == cli.build_parser().format_help()


def test_train_checks_the_output_layer_against_the_classes_before_training(tmp_path, capsys):
    argv = ["train", "--out", tmp_path / "m", "--sizes", "784,30,5", "--train-samples", "50"]
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""  # nothing printed: no "training ..." line
    assert_one_line_error(err, "output layer has 5 neurons", "10 classes", "784,30,10")


def test_train_samples_beyond_the_data_say_how_many_are_used(tmp_path, capsys):
    argv = ["train", "--out", tmp_path / "m", "--sizes", "784,5,10", "--epochs", "1", "--quiet"]
    status, out, err = run(capsys, *argv, "--train-samples", "99999")
    assert status == 0, err
    assert "--train-samples 99999: only 10,000 training images are available; using 10,000" in err
    assert "on 10,000 images" in out
    status, _, err = run(capsys, *argv, "--train-samples", "10000")
    assert status == 0 and "available" not in err


def test_chance_level_is_the_majority_class_rate_or_one_over_the_classes():
    assert cli.chance_level(np.array([0, 1, 2, 3])) == 0.25
    assert cli.chance_level(np.array([0, 0, 0, 1])) == 0.75
    assert cli.chance_level(np.array([1, 1, 2, 2]), n_classes=10) == 0.5
    assert cli.at_chance_level(0.25 + cli.CHANCE_MARGIN, np.array([0, 1, 2, 3]))
    assert not cli.at_chance_level(0.26 + cli.CHANCE_MARGIN, np.array([0, 1, 2, 3]))


def test_train_warns_when_training_ends_at_chance_level(tmp_path, capsys):
    argv = ["train", "--out", tmp_path / "m", "--epochs", "1", "--train-samples", "500", "--quiet"]
    status, _, err = run(capsys, *argv, "--lr", "1e6", "--activations", "relu")
    assert status == 0
    assert_one_line_error(err, "warning", "chance level", "--lr")
    status, _, err = run(capsys, *argv, "--sizes", "784,20,10")
    assert status == 0 and err == ""


def test_predict_errors_name_the_input_as_the_user_wrote_it(model, tmp_path, capsys):
    np.save(tmp_path / "narrow.npy", np.zeros((3, 5)))
    status, _, err = run(capsys, "predict", model, tmp_path / "narrow.npy")
    assert status == 1
    assert_one_line_error(err, f"INPUT {tmp_path / 'narrow.npy'}", "5 features", "784")
    assert " X " not in err and "X must" not in err


def test_predict_skips_a_header_row_of_a_csv_and_says_so(model, tmp_path, capsys):
    X = load_mnist_sample("test")[0][:5]
    path = tmp_path / "named.csv"
    header = ",".join(f"pixel{i}" for i in range(784))
    path.write_text(header + "\n" + "\n".join(",".join(f"{v:g}" for v in row) for row in X) + "\n")
    status, out, err = run(capsys, "predict", model, path)
    assert status == 0, err
    expected = fcnn.io.load(model).predict(X).argmax(axis=1)
    np.testing.assert_array_equal(np.array(out.split(), dtype=int), expected)
    assert_one_line_error(err, "note", "header", "pixel0")


def test_predict_an_empty_csv_gives_only_the_clean_error(model, tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning would fail here
        status, _, err = run(capsys, "predict", model, tmp_path / "empty.csv")
    assert status == 1
    assert_one_line_error(err, "fcnn predict: error:", "empty.csv", "no samples")


def test_train_interrupted_says_how_many_epochs_finished_and_that_nothing_was_saved(
    tmp_path, monkeypatch, capsys
):
    def interrupted(self, *args, **kwargs):
        error = KeyboardInterrupt()
        error.history = fcnn.History()
        error.history.record({"cost": 1.0}, seconds=1.0, samples=10, lr=3.0)
        raise error

    monkeypatch.setattr(fcnn.Network, "fit", interrupted)
    status, _, err = run(capsys, "train", "--out", tmp_path / "m", "--train-samples", "100")
    assert status == 130 and not (tmp_path / "m").exists()
    assert_one_line_error(err, "fcnn train: interrupted after 1 finished epoch", "not saved")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_messages_are_wrapped_to_the_terminal_and_whole_in_logs(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    message = "training Network([784, 100, 10], activations='sigmoid', cost='cross_entropy')"
    terminal, log = _Terminal(), io.StringIO()
    cli._say(message, file=terminal)
    cli._say(message, file=log)
    lines = terminal.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 39 for line in lines)
    assert " ".join(line.strip() for line in lines) == message  # no word broken or lost
    assert log.getvalue() == message + "\n"


def test_train_with_the_poisson_cost(tmp_path, capsys):
    path = tmp_path / "poisson.fcnn"
    status, _, err = run(
        capsys,
        "train",
        "--out",
        path,
        "--activations",
        "relu,exp",
        "--cost",
        "poisson",
        "--lr",
        "0.01",
        "--quiet",
        *FAST_TRAIN,
    )
    assert status == 0, err
    net = fcnn.io.load(path)
    assert [f.name for f in net.activations] == ["relu", "exp"]
    assert net.cost.name == "poisson"


def test_train_takes_a_dropout_rate_per_hidden_layer_and_input_dropout(tmp_path, capsys):
    path = tmp_path / "dropout.fcnn"
    options = ["--dropout", "0.2,0", "--input-dropout", "0.1", "--quiet", *FAST_TRAIN]
    status, _, err = run(capsys, "train", "--out", path, *options, "--sizes", "784,12,8,10")
    assert status == 0, err
    assert list(fcnn.io.load(path).sizes) == [784, 12, 8, 10]
    status, _, err = run(capsys, "train", "--out", path, *options)  # one hidden layer
    assert status != 0
    assert_one_line_error(err, "one rate per hidden layer (1)")
    status, _, err = run(capsys, "train", "--out", path, "--input-dropout", "1", *FAST_TRAIN)
    assert status != 0 and "--input-dropout" in err


# ---------------------------------------------------------------- export and import


@pytest.fixture
def exporters(monkeypatch):
    """fcnn.export.to_onnx and to_c replaced by recorders that return a report."""
    calls = []

    def recorder(kind):
        def export(net, path, **options):
            calls.append((kind, net, path, options))
            return fcnn.export.compare(path, f"fake {kind}", np.zeros((2, 3)), np.zeros((2, 3)))

        return export

    monkeypatch.setattr(cli.export, "to_onnx", recorder("onnx"), raising=False)
    monkeypatch.setattr(cli.export, "to_c", recorder("c"), raising=False)
    return calls


def test_export_calls_each_exporter_asked_for_and_prints_their_reports(
    model, tmp_path, exporters, capsys
):
    onnx_path, folder = tmp_path / "m.onnx", tmp_path / "c"
    status, out, err = run(
        capsys, "export", model, "--onnx", onnx_path, "--c", folder, "--opset", 17
    )
    assert status == 0, err
    (kind, net, path, options), (kind_c, _, path_c, options_c) = exporters
    assert (kind, path, kind_c, path_c) == ("onnx", str(onnx_path), "c", str(folder))
    assert net.sizes == (784, 20, 10)
    assert options == {"opset": 17, "dtype": None}
    assert options_c == {"dtype": "float64"}
    assert out.count("max abs deviation") == 2 and "fake onnx" in out and "fake c" in out


def test_export_check_data_from_mnist_or_an_npz_file(model, tmp_path, exporters, capsys):
    X, y = np.ones((5, 784)), np.arange(5)
    np.savez(tmp_path / "check.npz", X=X, y=y)
    assert run(capsys, "export", model, "--onnx", tmp_path / "m.onnx", "--check-data",
               tmp_path / "check.npz")[0] == 0  # fmt: skip
    options = exporters[-1][3]
    np.testing.assert_array_equal(options["calibration"], X)
    np.testing.assert_array_equal(options["labels"], y)
    assert run(capsys, "export", model, "--c", tmp_path / "c", "--dtype", "int8",
               "--check-data", "mnist")[0] == 0  # fmt: skip
    options = exporters[-1][3]
    assert options["dtype"] == "int8"
    assert options["calibration"].shape == (2000, 784) and options["labels"].shape == (2000,)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        ([], "nothing to export: give --onnx PATH, --c FOLDER or both"),
        (["--onnx", "m.onnx", "--dtype", "int8"], "--dtype int8 is for --c only"),
        (["--onnx", "m.onnx", "--check-data", "missing.npz"], "--check-data must be 'mnist'"),
    ],
)
def test_export_errors(model, exporters, capsys, argv, fragment):
    status, _, err = run(capsys, "export", model, *argv)
    assert status == 1
    assert_one_line_error(err, "fcnn export: error:", fragment)


def test_export_writes_onnx_and_c_that_agree_with_predict(model, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    onnx_path, folder = tmp_path / "m.onnx", tmp_path / "c"
    status, out, err = run(capsys, "export", model, "--onnx", onnx_path, "--c", folder,
                           "--check-data", "mnist")  # fmt: skip
    assert status == 0, err
    assert onnx_path.exists() and sorted(p.name for p in folder.iterdir()) == [
        "fcnn_model.c",
        "fcnn_model.h",
    ]
    assert "checked with onnxruntime" in out and "on 2000 samples against predict" in out
    assert out.count("argmax agreement 100.00%") == 2


def test_import_saves_an_onnx_mlp_as_a_model_file(tmp_path, capsys):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, b = np.arange(6.0).reshape(3, 2) / 10, np.array([0.1, -0.2, 0.3])
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
         helper.make_node("Softmax", ["z"], ["y"], axis=1)],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )  # fmt: skip
    source, target = tmp_path / "m.onnx", tmp_path / "m.fcnn"
    onnx.save(helper.make_model(graph), source)

    status, out, err = run(capsys, "import", source, "--out", target, "--cost", "quadratic")

    assert status == 0, err
    assert "imported Network([2, 3]" in out and f"saved to {target}" in out
    net = fcnn.load(target)
    assert net.cost.name == "quadratic" and net.activations[0].name == "softmax"
    np.testing.assert_array_equal(net.weights[0], w)
    status, _, err = run(capsys, "import", tmp_path / "missing.onnx", "--out", target)
    assert status == 1 and "fcnn import: error:" in err
