"""The fully convolutional network (FCN) of Wang, Yan and Oates (2017), for 1-D series.

Three convolutional blocks, each Conv1d -> BatchNorm1d -> ReLU, with 128, 256 and 128 filters
of kernel size 8, 5 and 3 ('same' padding, stride 1, no pooling), then global average pooling
(GAP) over time and a linear layer to the class scores (logits). Softmax is left to the loss.

Because the classifier sees only the time average of the last feature maps, the class score is
``y_c = b_c + sum_k w_ck * mean_t A_k(t)``: exactly the structure that CAM (Zhou et al. 2016)
needs, see :mod:`tscam.cam`.

With ``n_rhythm > 0`` (the shipped models) a rhythm head adds a term that depends on the beat's
rhythm features alone (:mod:`tscam.models.rhythm`):
``logit_c = mean_t CAM_c(t) + rhythm_c + b_c``. ``model(x, rhythm)`` gives the full logits;
``model(x)`` alone gives the window's part and the bias, ``mean_t CAM_c(t) + b_c``, which has
the same gradients with respect to the window and the feature maps, so every map is the same.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from tscam.models.rhythm import RhythmHead, RhythmTermMixin


class SameConv1d(nn.Conv1d):
    """``nn.Conv1d(..., padding="same")``, stride 1: output length = input length.

    For an even kernel the padding is uneven; like PyTorch's ``padding="same"`` we put
    ``(k - 1) // 2`` zeros on the left and ``k // 2`` on the right, but pad explicitly, which
    avoids PyTorch's warning about an internal copy. For an odd kernel both sides get
    ``k // 2`` zeros and the convolution pads by itself (no copy of the input; the same
    numbers). Parameters are those of ``nn.Conv1d``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        odd = kernel_size % 2 == 1
        super().__init__(
            in_channels, out_channels, kernel_size, padding=kernel_size // 2 if odd else 0
        )
        #: explicit (left, right) zeros for an even kernel; None when the convolution pads
        self.pad = None if odd else ((kernel_size - 1) // 2, kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x if self.pad is None else F.pad(x, self.pad))


class ConvBlock(nn.Sequential):
    """Conv1d ('same' padding) -> BatchNorm1d -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__(
            SameConv1d(in_channels, out_channels, kernel_size),
            nn.BatchNorm1d(out_channels),
            nn.ReLU(),
        )


class FCN(RhythmTermMixin, nn.Module):
    """Wang et al. (2017) FCN: input (n, in_channels, T) -> logits (n, n_classes), any T."""

    def __init__(
        self,
        n_classes: int = 5,
        in_channels: int = 1,
        filters: tuple[int, int, int] = (128, 256, 128),
        kernels: tuple[int, int, int] = (8, 5, 3),
        n_rhythm: int = 0,
        rhythm_hidden: int = 16,
    ) -> None:
        super().__init__()
        if len(filters) != 3 or len(kernels) != 3:
            raise ValueError("FCN has exactly three blocks: give three filters and three kernels.")
        self.config = {
            "n_classes": n_classes,
            "in_channels": in_channels,
            "filters": tuple(filters),
            "kernels": tuple(kernels),
            "n_rhythm": n_rhythm,
            "rhythm_hidden": rhythm_hidden,
        }
        self.n_rhythm = n_rhythm
        self.block1 = ConvBlock(in_channels, filters[0], kernels[0])
        self.block2 = ConvBlock(filters[0], filters[1], kernels[1])
        self.block3 = ConvBlock(filters[1], filters[2], kernels[2])
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.classifier = nn.Linear(filters[2], n_classes)
        self.rhythm_head = RhythmHead(n_rhythm, n_classes, rhythm_hidden) if n_rhythm else None

    @property
    def blocks(self) -> tuple[ConvBlock, ConvBlock, ConvBlock]:
        return (self.block1, self.block2, self.block3)

    @property
    def last_conv_block(self) -> nn.Module:
        """The layer whose feature maps CAM and Grad-CAM use by default."""
        return self.block3

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Feature maps of the last block, shape (n, filters[2], T)."""
        return self.block3(self.block2(self.block1(x)))

    @property
    def output_layer(self) -> nn.Linear:
        """The linear layer that maps the pooled features to the logits."""
        return self.classifier

    def tail(self, layer: nn.Module):
        """The rest of the network after ``layer``, one of the three blocks: a function from
        that block's output to ``model(x)`` without rhythm (the window's part and the bias), or
        None for any other layer. Ablation-CAM uses it to run only what follows the block it
        ablates (:func:`tscam.cam.ablation_cam`)."""
        at = next((i for i, block in enumerate(self.blocks) if block is layer), None)
        if at is None:
            return None
        after = self.blocks[at + 1 :]

        def rest(a: torch.Tensor) -> torch.Tensor:
            for block in after:
                a = block(a)
            return self._readout(a)

        return rest

    def _readout(self, a: torch.Tensor) -> torch.Tensor:
        """The last block's maps (n, filters[2], T) to the logits without rhythm."""
        return self.classifier(self.gap(a).squeeze(-1))

    def forward(self, x: torch.Tensor, rhythm: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (n, n_classes); without ``rhythm``, the window's part and the bias only."""
        return self.with_rhythm(self._readout(self.features(x)), rhythm)

    def logit_parts(
        self, x: torch.Tensor, rhythm: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(mean_t CAM_c(t), rhythm_c, b_c)``: the three parts that add up to the logits."""
        return self.parts_of(self.gap(self.features(x)).squeeze(-1), rhythm)
