package dev.keel.connector.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A single-node KRaft Kafka broker in a child JVM on the test class path (STACK.md 3.7, option B), on loopback
 * ports; {@link #kill()} SIGKILLs it and {@link #start()} starts it again on the same ports and data, so tests can
 * take the broker away under a running pipeline.
 */
public final class KafkaBroker implements AutoCloseable
{
    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    private KafkaBroker(final Path dir) throws IOException
    {
        this.dir = dir;
        this.port = freePort();
        final int controller = freePort();
        final String config = String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controller,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data").toAbsolutePath(),
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.num.partitions=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "num.partitions=1",
            "") + "\n";
        this.properties = dir.resolve("server.properties");
        Files.writeString(properties, config);
    }

    /** Formats a new broker under {@code dir} and starts it; returns once it answers. */
    public static KafkaBroker start(final Path dir) throws Exception
    {
        Files.createDirectories(dir);
        final KafkaBroker broker = new KafkaBroker(dir);
        final Process format = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
            "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", broker.properties.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0)
        {
            throw new IllegalStateException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        broker.start();
        return broker;
    }

    /** Starts (again) the broker process and waits until it answers. */
    public void start() throws Exception
    {
        process = new ProcessBuilder(java(), "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), "kafka.Kafka", properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
            .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("broker exited: " + Files.readString(dir.resolve("server.log")));
            }
            try (Admin admin = admin())
            {
                if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty())
                {
                    return;
                }
            }
            catch (final Exception ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("broker not ready in 60 s", ex);
                }
                Thread.sleep(100);
            }
        }
    }

    /** SIGKILLs the broker process. */
    public void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** {@code bootstrap.servers} of the broker. */
    public String bootstrapServers()
    {
        return "127.0.0.1:" + port;
    }

    public Admin admin()
    {
        final Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }

    public void createTopic(final String topic, final int partitions) throws Exception
    {
        try (Admin admin = admin())
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    public void addPartitions(final String topic, final int totalPartitions) throws Exception
    {
        try (Admin admin = admin())
        {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(totalPartitions)))
                .all().get(30, TimeUnit.SECONDS);
        }
    }

    public void close() throws Exception
    {
        if (null != process && process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
