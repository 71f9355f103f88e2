package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.OptionalLong;

/**
 * The fault-tolerance settings ({@code fault_tolerance}): the delivery guarantee, how often to checkpoint, how
 * durable the journal is and how many checkpoints to keep.
 * <pre>{@code
 * "fault_tolerance": {"model": "exactly_once", "checkpoint_interval_secs": 60, "journal_sync": "data",
 *                     "retained_checkpoints": 2}
 * }</pre>
 * Absent or {@code null} means {@link FaultToleranceModel#NONE}; an object without {@code model} (such as
 * {@code {}}) means {@link FaultToleranceModel#EXACTLY_ONCE}, as in Feldera. The other settings keep their values
 * under {@code none}: checkpoints can still be taken, on request or periodically, when storage is enabled.
 */
public final class FaultToleranceConfig
{
    /** Policy when {@code bootstrap_policy} is not given. */
    public static final BootstrapPolicy DEFAULT_BOOTSTRAP_POLICY = BootstrapPolicy.ALLOW;

    /** Model when {@code fault_tolerance} is an object without {@code model}. */
    public static final FaultToleranceModel DEFAULT_MODEL = FaultToleranceModel.EXACTLY_ONCE;

    /** Default of {@code checkpoint_interval_secs}. */
    public static final long DEFAULT_CHECKPOINT_INTERVAL_SECS = 60;

    /** Smallest {@code checkpoint_interval_secs}. */
    public static final long MIN_CHECKPOINT_INTERVAL_SECS = 1;

    /** Largest {@code checkpoint_interval_secs}. */
    public static final long MAX_CHECKPOINT_INTERVAL_SECS = 3600;

    /** Default of {@code journal_sync}. */
    public static final JournalSync DEFAULT_JOURNAL_SYNC = JournalSync.DATA;

    /** Default of {@code retained_checkpoints}. */
    public static final int DEFAULT_RETAINED_CHECKPOINTS = 2;

    /** Smallest {@code retained_checkpoints}. */
    public static final int MIN_RETAINED_CHECKPOINTS = 1;

    /** Largest {@code retained_checkpoints}. */
    public static final int MAX_RETAINED_CHECKPOINTS = 100;

    /** The settings when {@code fault_tolerance} is absent or null. */
    static final FaultToleranceConfig DISABLED = new FaultToleranceConfig(
        FaultToleranceModel.NONE, DEFAULT_CHECKPOINT_INTERVAL_SECS, DEFAULT_JOURNAL_SYNC, DEFAULT_RETAINED_CHECKPOINTS);

    /** Internal marker for {@code "checkpoint_interval_secs": null}. */
    static final long NO_PERIODIC_CHECKPOINTS = 0;

    private final FaultToleranceModel model;
    private final long checkpointIntervalSecs;
    private final JournalSync journalSync;
    private final int retainedCheckpoints;
    private final BootstrapPolicy bootstrapPolicy;

    FaultToleranceConfig(
        final FaultToleranceModel model,
        final long checkpointIntervalSecs,
        final JournalSync journalSync,
        final int retainedCheckpoints)
    {
        this(model, checkpointIntervalSecs, journalSync, retainedCheckpoints, DEFAULT_BOOTSTRAP_POLICY);
    }

    FaultToleranceConfig(
        final FaultToleranceModel model,
        final long checkpointIntervalSecs,
        final JournalSync journalSync,
        final int retainedCheckpoints,
        final BootstrapPolicy bootstrapPolicy)
    {
        this.model = model;
        this.checkpointIntervalSecs = checkpointIntervalSecs;
        this.journalSync = journalSync;
        this.retainedCheckpoints = retainedCheckpoints;
        this.bootstrapPolicy = bootstrapPolicy;
    }

    /**
     * What a restart does when the program changed since the checkpoint ({@code bootstrap_policy}).
     *
     * @return the policy, {@link BootstrapPolicy#ALLOW} unless set.
     */
    public BootstrapPolicy bootstrapPolicy()
    {
        return bootstrapPolicy;
    }

    /**
     * The delivery guarantee ({@code model}).
     *
     * @return the delivery guarantee.
     */
    public FaultToleranceModel model()
    {
        return model;
    }

    /**
     * Is a journal kept, i.e. is the model other than {@link FaultToleranceModel#NONE}?
     *
     * @return true if the model is at_least_once or exactly_once.
     */
    public boolean isEnabled()
    {
        return FaultToleranceModel.NONE != model;
    }

    /**
     * Seconds between periodic checkpoints ({@code checkpoint_interval_secs}), empty when periodic checkpoints are
     * disabled ({@code null} in JSON); checkpoints on request are always possible with storage.
     *
     * @return the interval in seconds within 1..3600, or empty.
     */
    public OptionalLong checkpointIntervalSecs()
    {
        return NO_PERIODIC_CHECKPOINTS == checkpointIntervalSecs ?
            OptionalLong.empty() : OptionalLong.of(checkpointIntervalSecs);
    }

    /**
     * Are checkpoints taken periodically?
     *
     * @return true if {@link #checkpointIntervalSecs()} is present.
     */
    public boolean periodicCheckpoints()
    {
        return NO_PERIODIC_CHECKPOINTS != checkpointIntervalSecs;
    }

    /**
     * How durable a journaled step must be before its output leaves ({@code journal_sync}).
     *
     * @return the journal durability level.
     */
    public JournalSync journalSync()
    {
        return journalSync;
    }

    /**
     * How many committed checkpoints to keep ({@code retained_checkpoints}); older ones are deleted and the
     * journal below the oldest is released.
     *
     * @return number of checkpoints to keep, 1..100.
     */
    public int retainedCheckpoints()
    {
        return retainedCheckpoints;
    }

    void writeTo(final ObjectNode node)
    {
        node.put(PipelineConfigParser.MODEL, model.jsonName());
        if (periodicCheckpoints())
        {
            node.put(PipelineConfigParser.CHECKPOINT_INTERVAL_SECS, checkpointIntervalSecs);
        }
        else
        {
            node.putNull(PipelineConfigParser.CHECKPOINT_INTERVAL_SECS);
        }
        node.put(PipelineConfigParser.JOURNAL_SYNC, journalSync.jsonName());
        node.put(PipelineConfigParser.RETAINED_CHECKPOINTS, retainedCheckpoints);
        node.put(PipelineConfigParser.BOOTSTRAP_POLICY, bootstrapPolicy.jsonName());
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof FaultToleranceConfig))
        {
            return false;
        }

        final FaultToleranceConfig that = (FaultToleranceConfig)o;
        return model == that.model && bootstrapPolicy == that.bootstrapPolicy &&
            checkpointIntervalSecs == that.checkpointIntervalSecs &&
            journalSync == that.journalSync &&
            retainedCheckpoints == that.retainedCheckpoints;
    }

    public int hashCode()
    {
        int result = model.hashCode();
        result = 31 * result + Long.hashCode(checkpointIntervalSecs);
        result = 31 * result + journalSync.hashCode();
        return 31 * result + retainedCheckpoints;
    }

    public String toString()
    {
        return "FaultToleranceConfig{model=" + model.jsonName() +
            ", checkpoint_interval_secs=" + (periodicCheckpoints() ? Long.toString(checkpointIntervalSecs) : "null") +
            ", journal_sync=" + journalSync.jsonName() +
            ", retained_checkpoints=" + retainedCheckpoints + "}";
    }
}
