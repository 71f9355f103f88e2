package dev.keel.engine.program;

/**
 * Defines a pipeline program: its input tables, operators and output views. Called on a fresh
 * {@link ProgramBuilder} each time the engine starts (and again after a restart), so it must build
 * the same program every time; the program fingerprint detects when it does not.
 */
@FunctionalInterface
public interface ProgramDefinition
{
    void define(ProgramBuilder program);
}
