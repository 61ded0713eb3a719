"""Compute and store a shipped model's logits on its test part (``NAME.test-logits.npz``).

``python scripts/store_test_logits.py fcn-inter``: runs the model on every beat of its test part
(``tscam.data.load_beats(split, "test")``) and writes the logits next to its weights with
:func:`tscam.models.outputs.write_test_logits`. Rerun it whenever the model's weights change.
"""

from __future__ import annotations

import argparse

from tscam.data import load_beats
from tscam.metrics import classification_report
from tscam.models import load_pretrained, model_card, predict_logits
from tscam.models.outputs import write_test_logits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="a shipped model, e.g. fcn-inter")
    args = parser.parse_args(argv)
    card = model_card(args.name)
    test = load_beats(card["data"]["split"], "test")
    logits = predict_logits(load_pretrained(args.name), test).numpy()
    report = classification_report(test.y, logits.argmax(1), test.class_names)
    if report["confusion"] != card["metrics"]["confusion"]:
        raise SystemExit(f"{args.name}: the logits do not reproduce the card's confusion matrix.")
    print(write_test_logits(args.name, logits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
