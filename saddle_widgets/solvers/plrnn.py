"""Piecewise-linear (ReLU) RNNs: models, cycles, invariant manifolds, basins, chaos.

    F(z) = A z + W relu(z) + h                       (PLRNN)
    F(z) = A∘z + W1 relu(W2 z + h2) + h1             (ShallowPLRNN)
    F(z) = A z + W φ(z) + h, only the last P units ReLU  (ALRNN)

Affine in each subregion (sign pattern D of the ReLU pre-activations): F(z) = J_D z + c_D.
Following Eisenmann et al., "Detecting Invariant Manifolds in ReLU-Based RNNs" and SCYFI
("Bifurcations and loss jumps in RNN training"). Implementation split over plrnn_model,
plrnn_cycles, plrnn_manifolds and plrnn_dynamics; everything public is re-exported here.
"""
from .plrnn_cycles import EXHAUSTIVE_LIMIT, Cycle, cycle_from_points, find_cycles, fixed_point_sets
from .plrnn_dynamics import (BOUNDED_OTHER, DIVERGENT, BasinMap, BifurcationDiagram, basin_map,
                             bifurcation_diagram, index_of_cycle, long_orbit, lyapunov_exponents,
                             merge_cycles,
                             refine_stable_cycle, same_orbit, stable_cycles_by_iteration)
from .plrnn_manifolds import (AffinePiece, Manifold, ManifoldIntersections, ManifoldPieces,
                              SaddleManifolds, homoclinic_points, invariant_manifold,
                              manifold_intersections, manifold_quality, manifold_saddles,
                              manifold_score, DELTA_GOOD, saddle_manifold_quality,
                              saddle_manifolds)
from .plrnn_model import (ALRNN, DIVERGENCE_BOUND, MATRIX_KEYS, PLRNN, PRESET_NOTES, PRESETS,
                          ShallowPLRNN, entries, entry_parameter, from_entries, invertibility_penalty,
                          preset)

__all__ = [
    "PLRNN", "ShallowPLRNN", "ALRNN", "invertibility_penalty", "PRESETS", "PRESET_NOTES", "preset", "DIVERGENCE_BOUND",
    "Cycle", "find_cycles", "cycle_from_points", "EXHAUSTIVE_LIMIT", "fixed_point_sets",
    "Manifold", "AffinePiece", "ManifoldPieces", "invariant_manifold", "manifold_quality",
    "manifold_score", "DELTA_GOOD", "saddle_manifold_quality",
    "ManifoldIntersections", "manifold_intersections", "homoclinic_points",
    "BasinMap", "basin_map", "DIVERGENT", "BOUNDED_OTHER", "lyapunov_exponents", "long_orbit",
    "BifurcationDiagram", "bifurcation_diagram", "stable_cycles_by_iteration", "refine_stable_cycle",
    "same_orbit", "index_of_cycle", "merge_cycles", "manifold_saddles", "SaddleManifolds",
    "saddle_manifolds", "MATRIX_KEYS", "from_entries", "entries", "entry_parameter",
]
