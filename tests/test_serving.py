"""The serving roofline (simulator.serving): what holds by construction of the physics."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.hardware import get_chip
from simulator.serving import (
    Replica,
    architecture_for,
    estimate,
    load_settings,
    max_batch_at_speed,
)
from simulator.serving.defaults import SETTING_NAMES, setting_sources


def test_decode_ratio_h20_over_h100_at_batch_1_is_their_memory_bandwidth_ratio():
    h20 = estimate("H20", 8e9, precision="bf16", batch=1, context=4096)
    h100 = estimate("H100", 8e9, precision="bf16", batch=1, context=4096)
    assert h20.chips_per_replica == h100.chips_per_replica == 1
    assert h20.bound == h100.bound == "memory"
    bandwidth_ratio = get_chip("H20").memory_bandwidth_gbps / get_chip("H100").memory_bandwidth_gbps
    assert h20.decode_tokens_per_s / h100.decode_tokens_per_s == pytest.approx(
        bandwidth_ratio, rel=0.03)
    assert bandwidth_ratio == pytest.approx(4000 / 3350, rel=1e-9)  # H20 decodes faster


def test_prefill_ratio_h20_over_h100_follows_their_dense_flops():
    for precision in ("bf16", "fp8"):
        h20 = estimate("H20", 8e9, precision=precision, batch=1, context=4096)
        h100 = estimate("H100", 8e9, precision=precision, batch=1, context=4096)
        assert h20.prefill_bound == h100.prefill_bound == "compute"
        flops_ratio = get_chip("H20").peak_flops(precision) / get_chip("H100").peak_flops(precision)
        assert h20.prefill_tokens_per_s / h100.prefill_tokens_per_s == pytest.approx(
            flops_ratio, rel=0.03)
        assert flops_ratio < 0.16  # the H20 has about a sixth of the H100's dense FLOP/s


def test_a_model_too_large_for_one_chip_needs_more_chips_per_replica():
    small = estimate("H100", 8e9, precision="bf16")
    large = estimate("H100", 7e10, precision="bf16")  # 140 GB of weights > 80 GB
    huge = estimate("H100", 4e11, precision="bf16")
    assert small.chips_per_replica == 1
    assert large.chips_per_replica == 2
    assert huge.chips_per_replica == 16  # 800 GB of weights over 72 GB usable per chip
    assert large.weights_gb == pytest.approx(140.0)
    # fp8 halves the weights: the 70B model fits on one H100 again
    assert estimate("H100", 7e10, precision="fp8").chips_per_replica == 1


def test_a_long_context_batch_needs_more_chips_than_the_weights_alone():
    short = estimate("H100", 8e9, precision="bf16", batch=8, context=1024)
    long = estimate("H100", 8e9, precision="bf16", batch=64, context=32768)
    assert short.chips_per_replica == 1
    assert long.kv_cache_gb > 250
    assert long.chips_per_replica >= 4


def test_decode_throughput_rises_with_batch_up_to_the_compute_bound_then_stays_flat():
    rates, bounds = [], []
    for batch in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        e = estimate("H20", 8e9, precision="fp8", batch=batch, context=128)
        rates.append(e.decode_tokens_per_s)
        bounds.append(e.bound)
    assert bounds[0] == "memory" and bounds[-1] == "compute"
    first_compute = bounds.index("compute")
    memory_rates = rates[: first_compute + 1]
    assert all(b > a for a, b in zip(memory_rates, memory_rates[1:]))
    compute_rates = rates[first_compute:]
    assert max(compute_rates) / min(compute_rates) < 1.02  # flat at the compute roof
    chip = get_chip("H20")
    roof = chip.peak_flops("fp8") * load_settings().compute_utilisation / (2 * 8e9)
    assert compute_rates[-1] <= roof  # attention FLOP only lower it


def test_a_mixture_of_experts_decodes_one_sequence_as_fast_as_its_active_size():
    moe = estimate("H200", 1e11, active_params=1e10, precision="fp8", batch=1, context=1)
    dense = estimate("H200", 1e11, precision="fp8", batch=1, context=1)
    assert moe.chips_per_replica == dense.chips_per_replica == 1  # memory holds all of it
    assert moe.decode_tokens_per_s / dense.decode_tokens_per_s == pytest.approx(10.0, rel=0.05)
    # at a large batch every expert is read: the memory term approaches the dense one
    big = Replica(get_chip("H200"), architecture_for(1e11, 1e10), "fp8", 1, load_settings())
    assert big._weights_read(512) == pytest.approx(1e11, rel=1e-6)


def test_the_h800_interconnect_cut_slows_tensor_parallel_decode_but_not_single_chip_decode():
    one_h800 = estimate("H800", 8e9, precision="fp8", batch=64, context=2048)
    one_h100 = estimate("H100", 8e9, precision="fp8", batch=64, context=2048)
    assert one_h800.decode_tokens_per_s == pytest.approx(one_h100.decode_tokens_per_s, rel=1e-9)
    tp_h800 = estimate("H800", 4e11, precision="fp8", batch=64, context=2048)
    tp_h100 = estimate("H100", 4e11, precision="fp8", batch=64, context=2048)
    assert tp_h800.chips_per_replica == tp_h100.chips_per_replica == 8
    assert tp_h800.comm_share_of_decode_step > tp_h100.comm_share_of_decode_step > 0
    assert tp_h800.decode_tokens_per_s < 0.95 * tp_h100.decode_tokens_per_s


def test_cost_per_million_tokens_is_rental_over_throughput():
    e = estimate("H20", 7e10, precision="fp8", batch=16, context=2048)
    chip = get_chip("H20")
    expected = e.chips_per_replica * chip.rental_usd_per_hour / (e.decode_tokens_per_s * 3600) * 1e6
    assert e.cost_usd_per_mtok == pytest.approx(expected, rel=1e-9)
    assert estimate("L40S", 8e9, precision="fp8").cost_usd_per_mtok is None  # no rental price


def test_a_fleet_counts_whole_replicas_and_users_at_the_stated_speed():
    e = estimate("H100", 7e10, precision="bf16", batch=8, context=2048, count=1001)
    assert e.replicas == 1001 // e.chips_per_replica
    assert e.fleet_decode_tokens_per_s == pytest.approx(e.replicas * e.decode_tokens_per_s)
    assert e.fleet_tokens_per_day == pytest.approx(e.fleet_decode_tokens_per_s * 86400)
    users = e.users
    assert e.fleet_users == (1001 // users.chips_per_replica) * users.users_per_replica
    replica = Replica(get_chip("H100"), architecture_for(7e10), "bf16", users.chips_per_replica,
                      load_settings())
    # the batch that gives each user 20 tokens/s, and one more would not
    assert 1.0 / replica.decode_step(users.users_per_replica, users.context_tokens).total_s >= 20
    if users.users_per_replica < replica.max_batch(users.context_tokens):
        assert 1.0 / replica.decode_step(users.users_per_replica + 1,
                                         users.context_tokens).total_s < 20


def test_more_users_fit_at_a_lower_speed():
    replica = Replica(get_chip("H20"), architecture_for(8e9), "fp8", 1, load_settings())
    fast = max_batch_at_speed(replica, 4096, 300)
    slow = max_batch_at_speed(replica, 4096, 100)
    assert 0 < fast < slow <= replica.max_batch(4096)


def test_settings_are_sourced_and_a_scenario_can_change_them():
    sources = setting_sources()
    assert set(sources) == set(SETTING_NAMES)
    assert all(len(text) > 20 for text in sources.values())
    base = estimate("H100", 8e9, precision="fp8", context=4096)
    half = estimate("H100", 8e9, precision="fp8", context=4096,
                    settings=load_settings({"compute_utilisation": 0.34}))
    assert half.prefill_tokens_per_s == pytest.approx(base.prefill_tokens_per_s / 2, rel=0.02)
    with pytest.raises(InputError, match="compute_utilisation"):
        load_settings({"compute_utilisation": 1.5})
    with pytest.raises(InputError, match="unknown serving setting"):
        load_settings({"mfu": 0.5})


def test_named_architectures_have_the_published_kv_cache_per_token():
    # Llama 3.1 70B: 2 (K, V) x 80 layers x 8 KV heads x 128 = 163,840 elements per token
    assert architecture_for(name="llama-3.1-70b").kv_elements_per_token == 163840
    # DeepSeek-V3 MLA: 61 layers x (512 + 64) = 35,136 elements per token
    assert architecture_for(name="deepseek-v3").kv_elements_per_token == 35136
    generic = architecture_for(3e10)  # between 8B and 70B
    assert 65536 < generic.kv_elements_per_token < 163840
    assert architecture_for(7.06e10).layers == pytest.approx(80, rel=0.01)


def test_bad_input_is_an_input_error_naming_the_problem():
    with pytest.raises(InputError, match="unknown chip"):
        estimate("H2O", 8e9)
    with pytest.raises(InputError, match="does not fit"):
        estimate("L20", 1e14)
    with pytest.raises(InputError, match="batch"):
        estimate("H100", 8e9, batch=0)
    with pytest.raises(InputError, match="active params"):
        estimate("H100", 8e9, active_params=9e9)
    with pytest.raises(InputError, match="precision"):
        estimate("H100", 8e9, precision="fp4")
    with pytest.raises(InputError, match="at least"):
        estimate("H100", 7e10, precision="bf16", chips_per_replica=1)


def test_a_chip_without_fp8_computes_at_its_bf16_peak_and_says_so():
    e = estimate("Ascend 910C", 8e9, precision="fp8")
    assert e.compute_precision == "bf16"
    assert any("no fp8" in note for note in e.notes)
    assert math.isfinite(e.prefill_tokens_per_s)


def test_estimate_to_dict_is_json_safe():
    import json

    d = estimate("L40S", 8e9, precision="fp8", count=10).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["cost_usd_per_mtok"] is None
    assert dataclasses.is_dataclass(estimate("H100", 8e9).users)

CHIPS = ("H100", "H800", "H20", "L20", "H200", "Ascend 910C", "A100")


@hyp_settings(max_examples=60, deadline=None)
@given(chip=st.sampled_from(CHIPS), log_params=st.floats(9.0, 12.0),
       active_share=st.floats(0.03, 1.0), context=st.integers(1, 32768),
       chips=st.sampled_from((1, 2, 8, 64)), batch=st.integers(1, 4096),
       more=st.integers(1, 4096))
def test_decode_throughput_of_a_replica_never_falls_as_the_batch_grows(
        chip, log_params, active_share, context, chips, batch, more):
    params = 10.0 ** log_params
    replica = Replica(get_chip(chip), architecture_for(params, params * active_share), "fp8",
                      chips, load_settings())
    small = batch / replica.decode_step(batch, context).total_s
    large = (batch + more) / replica.decode_step(batch + more, context).total_s
    assert large >= small * (1 - 1e-12)
    # and per-sequence speed never rises with the batch
    assert replica.decode_step(batch + more, context).total_s >= replica.decode_step(
        batch, context).total_s


def test_attention_runs_at_the_attention_precision_not_the_weights():
    chip, arch = get_chip("H100"), architecture_for(name="llama-3.1-8b")
    bf16 = Replica(chip, arch, "fp8", 1, load_settings())
    fp8 = Replica(chip, arch, "fp8", 1, load_settings({"attention_precision": "fp8"}))
    # at a long context attention dominates the FLOP: BF16 attention takes about twice as long
    long_bf16, long_fp8 = bf16.decode_step(64, 32768), fp8.decode_step(64, 32768)
    weights_s = 64 * 2 * arch.active_params / (chip.peak_flops("fp8") * 0.68)
    assert (long_bf16.compute_s - weights_s) / (long_fp8.compute_s - weights_s) == pytest.approx(
        chip.peak_flops("fp8") / chip.peak_flops("bf16"), rel=1e-6)
    with pytest.raises(InputError, match="attention_precision"):
        load_settings({"attention_precision": "fp4"})
