package dev.tokentrail.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import java.util.Map;

/** JSON bodies and the error shape every endpoint shares: {@code {"error": "..."}}. */
final class JsonResponses {
  private JsonResponses() {}

  static HttpResponse ok(Object body) {
    return of(HttpStatus.OK, body);
  }

  static HttpResponse error(HttpStatus status, String message) {
    return of(status, Map.of("error", message));
  }

  static HttpResponse of(HttpStatus status, Object body) {
    return HttpResponse.of(status, MediaType.JSON_UTF_8, bytes(body));
  }

  static byte[] bytes(Object body) {
    try {
      return QueryApi.JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize response", e);
    }
  }
}
