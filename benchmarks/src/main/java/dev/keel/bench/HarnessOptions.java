package dev.keel.bench;

import dev.keel.engine.config.FaultToleranceModel;

import java.util.Locale;

/**
 * Command-line options of {@link Harness}: {@code --name value} pairs, every one with a default.
 */
final class HarnessOptions
{
    /** Workload name of the keyed aggregate; Nexmark queries are {@code nexmark-qN}. */
    static final String KEYED_AGGREGATE = "keyed-aggregate";

    String query = KEYED_AGGREGATE;
    long events = 10_000_000;
    long keys = 1_000_000;
    FaultToleranceModel model = FaultToleranceModel.NONE;
    long intervalSecs = 0;
    String storage;
    int arenaMib = 256;
    int maxBatch = 0;
    String then = "none";
    boolean finalCheckpoint;
    long timeoutSecs = 600;
    long warmupEvents = 0;
    boolean sinkHolds = true;
    int workers = 1;

    static final String USAGE = String.join("\n",
        "usage: Harness [--query keyed-aggregate|nexmark-qN] [--events N] [--keys K]",
        "               [--model none|at_least_once|exactly_once] [--interval SECS (0 = no periodic checkpoints)]",
        "               [--arena-mib MIB (pre-touched state arena chunk)] [--max-batch RECORDS (0 = engine default)]",
        "               [--workers N (circuit workers, 1..64)]",
        "               [--final-checkpoint] [--then none|restore|replay] [--storage DIR (default: fresh temp dir)]",
        "               [--warmup-events N (a discarded run first, same settings, own storage)] [--timeout-secs S]",
        "               [--sink holding|waiting (holding: the sink holds steps until durable; waiting: the circuit",
        "               offers a step only once it is durable)]");

    static HarnessOptions parse(final String... args)
    {
        final HarnessOptions o = new HarnessOptions();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if ("--final-checkpoint".equals(arg))
            {
                o.finalCheckpoint = true;
                continue;
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(arg + ": missing value\n" + USAGE);
            }
            final String value = args[++i];
            switch (arg)
            {
                case "--query":
                    o.query = value;
                    break;
                case "--events":
                    o.events = positive(arg, value);
                    break;
                case "--keys":
                    o.keys = positive(arg, value);
                    break;
                case "--model":
                    o.model = model(value);
                    break;
                case "--interval":
                    o.intervalSecs = Long.parseLong(value);
                    break;
                case "--arena-mib":
                    o.arenaMib = (int)positive(arg, value);
                    break;
                case "--max-batch":
                    o.maxBatch = Integer.parseInt(value);
                    break;
                case "--then":
                    if (!value.equals("none") && !value.equals("restore") && !value.equals("replay"))
                    {
                        throw new IllegalArgumentException("--then " + value + ": one of none, restore, replay");
                    }
                    o.then = value;
                    break;
                case "--storage":
                    o.storage = value;
                    break;
                case "--warmup-events":
                    o.warmupEvents = Long.parseLong(value);
                    break;
                case "--sink":
                    if (!value.equals("holding") && !value.equals("waiting"))
                    {
                        throw new IllegalArgumentException("--sink " + value + ": one of holding, waiting");
                    }
                    o.sinkHolds = value.equals("holding");
                    break;
                case "--workers":
                    o.workers = (int)positive(arg, value);
                    if (o.workers > 64)
                    {
                        throw new IllegalArgumentException("--workers " + value + ": 1..64");
                    }
                    break;
                case "--timeout-secs":
                    o.timeoutSecs = positive(arg, value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        }
        if (!o.query.equals(KEYED_AGGREGATE) && !o.query.startsWith("nexmark-q"))
        {
            throw new IllegalArgumentException("--query " + o.query + ": keyed-aggregate or nexmark-qN");
        }
        if (o.intervalSecs < 0 || o.intervalSecs > 3600)
        {
            throw new IllegalArgumentException("--interval " + o.intervalSecs + ": 0..3600 seconds");
        }
        if (o.model == FaultToleranceModel.NONE && (o.intervalSecs > 0 || o.finalCheckpoint))
        {
            throw new IllegalArgumentException("--model none takes no checkpoints: drop --interval/--final-checkpoint");
        }
        if (o.then.equals("replay") && o.model != FaultToleranceModel.EXACTLY_ONCE)
        {
            throw new IllegalArgumentException("--then replay needs --model exactly_once (the journal)");
        }
        if (o.then.equals("restore") && o.model == FaultToleranceModel.NONE)
        {
            throw new IllegalArgumentException("--then restore needs checkpoints: --model at_least_once|exactly_once");
        }
        if (o.arenaMib > 1024)
        {
            throw new IllegalArgumentException("--arena-mib " + o.arenaMib + ": at most 1024 (one arena chunk)");
        }
        return o;
    }

    private static long positive(final String name, final String value)
    {
        final long v = Long.parseLong(value.replace("_", ""));
        if (v <= 0)
        {
            throw new IllegalArgumentException(name + " " + value + ": must be > 0");
        }
        return v;
    }

    private static FaultToleranceModel model(final String value)
    {
        for (final FaultToleranceModel m : FaultToleranceModel.values())
        {
            if (m.name().equalsIgnoreCase(value) || m.name().toLowerCase(Locale.ROOT).equals(value))
            {
                return m;
            }
        }
        throw new IllegalArgumentException("--model " + value + ": none, at_least_once or exactly_once");
    }
}
