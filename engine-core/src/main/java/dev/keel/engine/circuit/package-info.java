/**
 * The execution runtime: the {@link dev.keel.engine.circuit.CircuitAgent} that runs a program's steps
 * (collect, evaluate, journal, emit), the pipeline lifecycle
 * ({@link dev.keel.engine.circuit.PipelineState}, {@link dev.keel.engine.circuit.PipelineLifecycle}) and the
 * hooks fault tolerance plugs into:
 * {@link dev.keel.engine.circuit.StepListener} at every step boundary (checkpoints),
 * {@link dev.keel.engine.circuit.CircuitAgent#openEndpointsAt} and the journal replay (recovery).
 */
package dev.keel.engine.circuit;
