/**
 * The embedded Java API: {@link dev.keel.engine.api.Keel#launch} a program with an
 * {@link dev.keel.engine.api.EngineContext}, push rows through {@link dev.keel.engine.api.InputHandle}s, read
 * view changes through {@link dev.keel.engine.api.OutputHandle}s, and close the
 * {@link dev.keel.engine.api.KeelPipeline}.
 */
package dev.keel.engine.api;
