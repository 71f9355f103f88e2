package dev.keel.engine.connector;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.connector.file.FileInputEndpoint;
import dev.keel.engine.connector.file.FileOutputEndpoint;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectorRegistryTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));

    @TempDir
    Path dir;

    @Test
    void discoversTheFileConnectorsThroughTheServiceLoader()
    {
        final ConnectorRegistry registry = ConnectorRegistry.discover();
        assertTrue(registry.inputTransports().contains("file_input"), registry.toString());
        assertTrue(registry.outputTransports().contains("file_output"), registry.toString());

        final InputEndpoint input = registry.input(
            input("in", Map.of("path", dir.resolve("in.json").toString())), SCHEMA, new ConnectorContext());
        assertInstanceOf(FileInputEndpoint.class, input);
        input.close();
        final OutputEndpoint output = registry.output(
            output("out", Map.of("path", dir.resolve("out.json").toString())), SCHEMA, new ConnectorContext());
        assertInstanceOf(FileOutputEndpoint.class, output);
        output.close();
    }

    @Test
    void anUnknownTransportListsTheDiscoveredOnes()
    {
        final ConnectorRegistry registry = ConnectorRegistry.discover();
        ConfigException error = assertThrows(ConfigException.class, () -> registry.input(
            config("in", "kafka_input"), SCHEMA,
            new ConnectorContext()));
        assertEquals("$.inputs.in.transport.name", error.path());
        assertTrue(error.getMessage().contains(
            "'kafka_input' is not an input transport; allowed: " + registry.inputTransports()), error.getMessage());

        error = assertThrows(ConfigException.class, () -> registry.output(
            outputConfig("out", "file_input"), SCHEMA,
            new ConnectorContext()));
        assertEquals("$.outputs.out.transport.name", error.path());
        assertTrue(error.getMessage().contains(
            "'file_input' is not an output transport; allowed: " + registry.outputTransports()), error.getMessage());
        assertTrue(registry.outputTransports().contains("file_output"), registry.toString());
    }

    @Test
    void fileSettingsAreValidatedUnderTheirJsonPath()
    {
        final ConnectorRegistry registry = ConnectorRegistry.discover();
        final String path = dir.resolve("in.json").toString();

        ConfigException error = assertThrows(ConfigException.class, () -> registry.input(
            input("in", Map.of("path", path, "read_bufer_bytes", 8192)), SCHEMA, new ConnectorContext()));
        assertEquals(ConfigException.UNKNOWN_KEY, error.code());
        assertEquals("$.inputs.in.transport.config.read_bufer_bytes", error.path());
        assertTrue(error.getMessage().contains("(did you mean \"read_buffer_bytes\"?)"), error.getMessage());

        error = assertThrows(ConfigException.class, () -> registry.input(
            input("in", Map.of("path", path, "follow", "yes")), SCHEMA, new ConnectorContext()));
        assertEquals(ConfigException.WRONG_TYPE, error.code());
        assertEquals("$.inputs.in.transport.config.follow", error.path());

        error = assertThrows(ConfigException.class, () -> registry.input(
            input("in", Map.of("path", path, "read_buffer_bytes", 1)), SCHEMA, new ConnectorContext()));
        assertEquals(ConfigException.OUT_OF_RANGE, error.code());
        assertEquals("$.inputs.in.transport.config.read_buffer_bytes", error.path());

        error = assertThrows(ConfigException.class, () -> registry.output(
            output("out", Map.of("path", path, "sync_interval_ms", 0)), SCHEMA, new ConnectorContext()));
        assertEquals(ConfigException.OUT_OF_RANGE, error.code());
        assertEquals("$.outputs.out.transport.config.sync_interval_ms", error.path());
    }

    @Test
    void anExplicitConnectorIsAddedOrReplacesADiscoveredOne()
    {
        final InputEndpoint[] made = new InputEndpoint[1];
        final InputConnector fake = new InputConnector()
        {
            public String transport()
            {
                return "file_input";
            }

            public InputEndpoint create(
                final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
            {
                made[0] = FileInputEndpoint.create(config.name(), schema,
                    dev.keel.engine.connector.file.FileInputSettings.builder()
                        .path(Path.of(config.transport().config().string("path"))).build(),
                    context.nanoClock());
                return made[0];
            }
        };
        final ConnectorRegistry registry = ConnectorRegistry.builder()
            .input(fake)
            .discover(ConnectorRegistryTest.class.getClassLoader())
            .build();
        final InputEndpoint endpoint = registry.input(
            input("in", Map.of("path", dir.resolve("x").toString())), SCHEMA, new ConnectorContext());
        assertSame(made[0], endpoint);
        endpoint.close();

        final ConnectorRegistry empty = ConnectorRegistry.builder().build();
        assertEquals(List.of(), List.copyOf(empty.inputTransports()));
        final ConfigException error = assertThrows(ConfigException.class, () -> empty.input(
            input("in", Map.of("path", "p")), SCHEMA, new ConnectorContext()));
        assertTrue(error.getMessage().contains("allowed: []"), error.getMessage());
    }

    private static InputEndpointConfig config(final String name, final String transport)
    {
        return PipelineConfig.builder()
            .input(name, InputEndpointConfig.builder().stream("s").transport(transport))
            .build()
            .inputs()
            .get(name);
    }

    private static OutputEndpointConfig outputConfig(final String name, final String transport)
    {
        return PipelineConfig.builder()
            .output(name, OutputEndpointConfig.builder().stream("v").transport(transport))
            .build()
            .outputs()
            .get(name);
    }

    private static InputEndpointConfig input(final String name, final Map<String, ?> settings)
    {
        return PipelineConfig.builder()
            .input(name, InputEndpointConfig.builder().stream("s").transport("file_input", settings).format("json"))
            .build()
            .inputs()
            .get(name);
    }

    private static OutputEndpointConfig output(final String name, final Map<String, ?> settings)
    {
        return PipelineConfig.builder()
            .output(name, OutputEndpointConfig.builder().stream("v").transport("file_output", settings).format("json"))
            .build()
            .outputs()
            .get(name);
    }
}
