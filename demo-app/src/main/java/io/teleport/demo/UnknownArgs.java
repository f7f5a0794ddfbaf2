package io.teleport.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;

/**
 * The body of the seed's unknown pull: Go's {@code struct { RawMessage json.RawMessage; Bytes []byte }}.
 *
 * @param rawMessage any JSON
 * @param bytes bytes, base64 in JSON
 */
public record UnknownArgs(@JsonProperty("RawMessage") JsonNode rawMessage, @JsonProperty("Bytes") byte[] bytes) {
}
