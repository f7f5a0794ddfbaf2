package io.teleport.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;

/**
 * The body of the seed's unknown pull: Go's {@code struct { RawMessage json.RawMessage; Bytes []byte }}
 * (JSON field names as Go writes them; byte arrays as base64).
 *
 * @param rawMessage any JSON
 * @param bytes bytes
 */
public record Args(@JsonProperty("RawMessage") JsonNode rawMessage, @JsonProperty("Bytes") byte[] bytes) {
}
