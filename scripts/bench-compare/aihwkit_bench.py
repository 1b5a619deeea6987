"""aihwkit 1.1.0's half of scripts/bench-compare.sh: cnn16 (common.cnn16) converted with
convert_to_analog, on MNIST, with `--threads N` threads. Prints JSON lines (tool "aihwkit"):

  train-mixed-precision  batch 64, AnalogSGD lr 0.1, DigitalRankUpdateRPUConfig with a
      MixedPrecisionCompound (Nandakumar et al. 2020: the update accumulates in a digital
      matrix χ and is written to the device in steps of its granularity, as CIMKit's
      mixed-precision rule on wu2023-soc). The device stands in for CIMKit's 2-bit b-RRAM
      pair (4 levels per device, so 7 weight levels −3Δ…3Δ): a ConstantStepDevice over
      w ∈ [−1, 1] with dw_min = 1/3 (one level), no device-to-device spread, and a cycle-to-cycle
      step spread dw_min_std = 0.24 (σ_prog 2.0 µS / Δ 8.23 µS). Forward: 8-bit DAC
      (inp_res 1/254) and ADC (out_res 1/254), inputs scaled by their absolute maximum (as
      CIMKit's DAC), no bound-management re-runs (CIMKit's ADC clips), read noise as additive
      weight noise per read (w_noise 0.069 = √2·1.2 µS / 24.7 µS), no output noise (the SoC's
      ADC noise is 0 in CIMKit); backward perfect (CIMKit's backward is FP32). Tiles of 64 rows ×
      32 weights, CIMKit's 64×64 tiles of differential pairs (max_input_size 64, max_output_size 32).
      Each tile's largest initial |w| maps to 0.478 of the device range (weight_scaling_omega),
      as CIMKit maps the initial window onto ±1/√fan_in (full scale 2.09/√fan_in), with the
      learning rate compensated, so one write step is one level of the initial scale in both.
  mc-trial  one Monte Carlo trial: program_analog_weights (PCMLikeNoiseModel: programming
      noise), drift_analog_weights(3600 s) (drift, read noise, global drift compensation), then
      the test images at batch 100 through InferenceRPUConfig tiles of 256 rows × 32 weights
      (CIMKit's wu2023-inference tiles) with the same 8-bit DAC/ADC and an output (ADC) noise of
      one 8-bit step, 12·0.549/70; each tile's largest |w| maps to the full conductance range
      (weight_scaling_omega 1, as CIMKit's export). Images/s per trial, programming and drift included.

  mc-trial-concurrent  (with --concurrent K) only the trials, as one of K processes that the
      driver starts at once with one thread each: aihwkit's counterpart of `cim evaluate --jobs K`;
      the driver adds up the K processes' images/s into one per-machine figure.

    python aihwkit_bench.py --threads 2 [--quick] [--concurrent K]
"""
import argparse
import time

import torch

import common

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--quick", action="store_true")
p.add_argument("--concurrent", type=int, default=0)
a = p.parse_args()
n = common.sizes(a.quick)
common.set_threads(a.threads)
torch.manual_seed(1)

import aihwkit  # noqa: E402  (after the thread setting)
from aihwkit.inference import PCMLikeNoiseModel  # noqa: E402
from aihwkit.nn.conversion import convert_to_analog  # noqa: E402
from aihwkit.optim import AnalogSGD  # noqa: E402
from aihwkit.simulator.configs import (ConstantStepDevice, DigitalRankUpdateRPUConfig,  # noqa: E402
                                       InferenceRPUConfig, MixedPrecisionCompound)
from aihwkit.simulator.parameters.enums import BoundManagementType, NoiseManagementType, WeightNoiseType  # noqa: E402

if not a.concurrent:
    common.info("aihwkit", version=aihwkit.__version__, torch=torch.__version__, threads=torch.get_num_threads())


def periphery(io, out_noise):
    """8-bit DAC and ADC, inputs scaled by their absolute maximum, clipping instead of re-runs."""
    io.inp_res = 1 / (2 ** 8 - 2)
    io.out_res = 1 / (2 ** 8 - 2)
    io.out_noise = out_noise
    io.noise_management = NoiseManagementType.ABS_MAX
    io.bound_management = BoundManagementType.NONE


# 3. mixed-precision training on chip (not in the concurrent runs)
if not a.concurrent:
    device = ConstantStepDevice(dw_min=1 / 3, dw_min_std=0.24, w_min=-1.0, w_max=1.0,
                                dw_min_dtod=0.0, w_min_dtod=0.0, w_max_dtod=0.0, up_down_dtod=0.0)
    mp = DigitalRankUpdateRPUConfig(device=MixedPrecisionCompound(device=device))
    periphery(mp.forward, 0.0)
    mp.forward.w_noise_type = WeightNoiseType.ADDITIVE_CONSTANT
    mp.forward.w_noise = 0.069
    mp.backward.is_perfect = True
    mp.mapping.max_input_size, mp.mapping.max_output_size = 64, 32
    mp.mapping.weight_scaling_omega, mp.mapping.weight_scaling_lr_compensation = 0.478, True
    model = convert_to_analog(common.cnn16(), mp)
    common.info("aihwkit-train-model", tiles=sum(1 for _ in model.analog_tiles()))
    x, y = common.mnist("train")
    optimizer = AnalogSGD(model.parameters(), lr=0.1)
    optimizer.regroup_param_groups(model)
    steps = common.trainer(model, optimizer, x, y)
    common.emit("aihwkit", "train-mixed-precision", 64, a.threads,
                common.timed(lambda: steps(n["mp_batches"]), n["mp_batches"] * 64, n["reps"], warmup=lambda: steps(20)))

# 4. one Monte Carlo trial: program, drift, infer
inf = InferenceRPUConfig(noise_model=PCMLikeNoiseModel(g_max=25.0))
periphery(inf.forward, 12 * 0.549 / 70)
inf.mapping.max_input_size, inf.mapping.max_output_size = 256, 32
inf.mapping.weight_scaling_omega = 1.0
model = convert_to_analog(common.cnn16(), inf)
model.eval()
if not a.concurrent:
    common.info("aihwkit-inference-model", tiles=sum(1 for _ in model.analog_tiles()))
xt, yt = (torch.from_numpy(v[:n["trial_images"]]) for v in common.mnist("test"))


def trial():
    model.program_analog_weights()
    model.drift_analog_weights(3600.0)
    common.infer(model, xt, yt, 100)


if a.concurrent:
    common.emit("aihwkit", "mc-trial-concurrent", 100, a.threads, common.timed(trial, len(xt), n["reps"]),
                concurrent=a.concurrent)
else:
    t = time.perf_counter()
    model.program_analog_weights()
    model.drift_analog_weights(3600.0)
    common.info("aihwkit-program-and-drift", seconds=time.perf_counter() - t)
    common.emit("aihwkit", "mc-trial", 100, a.threads, common.timed(trial, len(xt), n["reps"]))
