package io.teleport.spring.autoconfigure;

import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata that the processor generated for IDEs: every core {@link Limits}
 * setting has its {@code teleport.limits.*} property, with a description and the core's default.
 */
class TeleportPropertiesMetadataTests {

    private static final Set<String> NOT_SETTINGS = Set.of("toString", "toBuilder", "hashCode");

    private static Map<String, JsonNode> properties;

    @BeforeAll
    static void readMetadata() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        for (URL url : Collections.list(TeleportPropertiesMetadataTests.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                JsonNode root = json.readTree(in);
                Map<String, JsonNode> byName = new HashMap<>();
                root.get("properties").values().forEach(p -> byName.put(p.get("name").asString(), p));
                if (byName.containsKey("teleport.read-limit")) {
                    properties = byName;
                }
            }
        }
        assertThat(properties).as("this module's generated metadata is on the class path").isNotNull();
    }

    @Test
    void everyCoreLimitHasADocumentedPropertyWithTheCoreDefault() throws Exception {
        Limits defaults = Limits.defaults();
        List<Method> settings = Arrays.stream(Limits.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getParameterCount() == 0 && !NOT_SETTINGS.contains(m.getName())).toList();
        assertThat(settings).hasSize(24);
        for (Method setting : settings) {
            String key = "teleport.limits." + kebab(setting.getName());
            JsonNode property = properties.get(key);
            assertThat(property).as(key).isNotNull();
            assertThat(property.path("description").asString("")).as(key + " description").isNotBlank();
            JsonNode defaultValue = property.get("defaultValue");
            if (Set.of("maxInboundBytes", "maxOutboundBytes", "maxConnections", "maxPendingPulls").contains(setting.getName())) {
                assertThat(defaultValue).as("unset: the core's heap-derived default").isNull();
                continue;
            }
            assertThat(defaultValue).as(key + " default").isNotNull();
            Object core = setting.invoke(defaults);
            Object documented = switch (property.get("type").asString()) {
                case "java.lang.Integer" -> Long.parseLong(defaultValue.asString());
                case "org.springframework.util.unit.DataSize" -> DataSize.parse(defaultValue.asString()).toBytes();
                case "java.time.Duration" -> DurationStyle.detectAndParse(defaultValue.asString());
                default -> throw new AssertionError(key + ": unexpected type " + property.get("type"));
            };
            Object expected = core instanceof Number n ? (Object) n.longValue() : core;
            assertThat(documented).as(key + " default").isEqualTo(expected);
        }
        // Boot's processor takes the first @param whose name starts with the property's: a name that
        // begins another's (max-outbound-bytes, max-connections) must still get its own description.
        assertThat(properties.get("teleport.limits.max-outbound-bytes").path("description").asString())
                .contains("all sessions").contains("an eighth of the maximum heap");
        assertThat(properties.get("teleport.limits.max-connections").path("description").asString())
                .contains("over all listeners");
        Set<String> documented = properties.keySet().stream().filter(k -> k.startsWith("teleport.limits."))
                .collect(Collectors.toSet());
        assertThat(documented).as("no property without a core setting").hasSize(settings.size());
    }

    @Test
    void readLimitAndQueueCapacityDefaultsAreTheCoreDefaults() {
        assertThat(DataSize.parse(properties.get("teleport.read-limit").get("defaultValue").asString()).toBytes())
                .isEqualTo(PeerConfig.DEFAULT_READ_LIMIT);
        assertThat(properties.get("teleport.handler.queue-capacity").get("defaultValue").asInt())
                .isEqualTo(PeerConfig.defaults().handlerQueueCapacity());
        assertThat(java.time.Duration.parse("PT" + properties.get("teleport.handler.async-timeout").get("defaultValue").asString()
                .toUpperCase(java.util.Locale.ROOT))).isEqualTo(PeerConfig.defaults().asyncHandlerTimeout());
    }

    /**
     * README's yml sample is what a user copies: each value it shows is the real default, unless its
     * comment starts with "example"; keys that are unset by default are shown commented out.
     */
    @Test
    void readmesYamlSampleShowsTheDefaultsOrSaysItIsAnExample() throws Exception {
        String sample = readmeSample();
        List<String> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (String line : sample.split("\n")) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int depth = (line.length() - line.stripLeading().length()) / 2;
            int colon = line.indexOf(':');
            int hash = line.indexOf(" #");
            String value = line.substring(colon + 1, hash < 0 ? line.length() : hash).strip();
            String comment = hash < 0 ? "" : line.substring(hash + 2).strip();
            keys.subList(depth, keys.size()).clear();
            keys.add(line.substring(0, colon).strip());
            String key = String.join(".", keys);
            if (value.isEmpty()) {
                continue;
            }
            JsonNode property = properties.get(key);
            boolean known = property != null || key.startsWith("teleport.clients.");
            if (!known) {
                problems.add(key + ": no such property");
            } else if (comment.startsWith("example")) {
                continue;
            } else if (property == null || property.get("defaultValue") == null) {
                problems.add(key + ": " + value + " is shown but the property has no default: mark it \"# example\"");
            } else if (!sameValue(property, value)) {
                problems.add(key + ": " + value + " is shown but the default is " + property.get("defaultValue"));
            } else {
                checked++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("defaults shown").isGreaterThan(20);
    }

    /**
     * The same sample, copied into an application.yml as it is, binds: an empty section or a value
     * that needs something else defined (an SSL bundle, an environment variable) would stop the
     * application of a user who starts from it.
     */
    @Test
    void readmesYamlSampleBindsAsWritten() throws Exception {
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("README sample",
                new ByteArrayResource(readmeSample().getBytes(StandardCharsets.UTF_8)));
        TeleportProperties bound = new Binder(ConfigurationPropertySources.from(yaml))
                .bind("teleport", TeleportProperties.class).get();

        assertThat(bound.server().listenAddress()).isEqualTo("0.0.0.0:9090");
        assertThat(bound.auth().token()).isNull();
        assertThat(bound.ssl().bundle()).isNull();
    }

    private static String readmeSample() throws java.io.IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Spring Boot");
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    private static boolean sameValue(JsonNode property, String shown) {
        String documented = property.get("defaultValue").asString();
        return switch (property.get("type").asString()) {
            case "java.time.Duration" -> DurationStyle.detectAndParse(shown).equals(DurationStyle.detectAndParse(documented));
            case "org.springframework.util.unit.DataSize" -> DataSize.parse(shown).equals(DataSize.parse(documented));
            case "java.lang.Integer" -> Long.parseLong(shown) == Long.parseLong(documented);
            default -> shown.equalsIgnoreCase(documented);
        };
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
