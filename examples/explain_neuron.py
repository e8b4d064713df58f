"""The backward pass of one sigmoid neuron with squared error, as backpropagation tutorials draw it.

Run it: it prints the explanation of `loss` at w=2, b=-1, x=0.5, t=1 (forward values, local
gradients, upstream gradients and their products, from the output back to every input),
writes the graph as neuron.dot, and draws neuron.svg when Graphviz `dot` is installed.
Files go to the directory given as the first argument (default: the current directory).
"""

import os
import sys

import numpy as np

from symback.backprop import explain
from symback.backprop.render import have_dot


def loss(w, b, x, t):
    z = w * x + b
    a = 1 / (1 + np.exp(-z))
    L = (a - t) ** 2
    return L


def main() -> None:
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    explanation = explain(loss, w=2.0, b=-1.0, x=0.5, t=1.0)
    print(explanation)

    assert explanation.gradients["w"] == -0.125, "the tutorial's dL/dw"
    assert explanation.gradients["b"] == -0.25, "the tutorial's dL/db"

    dot_path = os.path.join(directory, "neuron.dot")
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(explanation.to_dot())
    print(f"wrote {dot_path}")
    if have_dot():
        print(f"wrote {explanation.render(os.path.join(directory, 'neuron.svg'))}")
    else:
        print("Graphviz `dot` is not installed: no picture drawn (the DOT file has it)")


if __name__ == "__main__":
    main()
