package io.teleport.spring.handler;

import io.teleport.codec.JsonCodec;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

import java.math.BigDecimal;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@link JacksonModule} bean joins the JSON codec's mapper, as it joins Boot's. */
class JacksonModuleTests {

    /** A type only a module knows how to write: as {@code "12.50 EUR"}. */
    public record Money(BigDecimal amount, String currency) {
    }

    /** Prices in Money. */
    @PullController
    public static class Prices {
        public Money price(String sku) {
            return new Money(new BigDecimal("12.50"), "EUR");
        }

        public String echo(Money money) {
            return money.currency() + " " + money.amount();
        }
    }

    static JacksonModule moneyModule() {
        return new SimpleModule("money").addSerializer(Money.class, new ValueSerializer<>() {
            @Override
            public void serialize(Money value, JsonGenerator gen, SerializationContext ctx) {
                gen.writeString(value.amount().toPlainString() + " " + value.currency());
            }
        }).addDeserializer(Money.class, new ValueDeserializer<>() {
            @Override
            public Money deserialize(JsonParser p, DeserializationContext ctx) {
                String[] parts = p.getString().split(" ");
                return new Money(new BigDecimal(parts[0]), parts[1]);
            }
        });
    }

    @Test
    void aModuleBeanShapesTheBodiesAndGoRulesStay() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
                .withBean("moneyModule", JacksonModule.class, JacksonModuleTests::moneyModule)
                .withBean(Prices.class).run(ctx -> {
                    assertThat(ctx).hasSingleBean(JsonCodec.class);
                    LoopbackClient.withSession(ctx, s -> {
                        assertThat(s.pull("/prices/price", "a", String.class)).isEqualTo("12.50 EUR");
                        assertThat(s.pull("/prices/echo", "3 USD", String.class)).isEqualTo("USD 3");
                    });
                    // Go's rules: map keys sorted, < > & escaped.
                    assertThat(new String(ctx.getBean(JsonCodec.class).mapper().writeValueAsBytes(
                            Map.of("b", "<", "a", 1)))).isEqualTo("{\"a\":1,\"b\":\"\\u003c\"}");
                });
    }

    @Test
    void withoutModulesTheDefaultCodecServes() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(JsonCodec.class));
    }
}
