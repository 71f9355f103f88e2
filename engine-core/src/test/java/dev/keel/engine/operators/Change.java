package dev.keel.engine.operators;

import java.util.List;

/** One input record of a test step: a row and its weight. */
record Change(List<Object> row, long weight)
{
}
