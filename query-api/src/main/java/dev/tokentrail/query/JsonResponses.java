package dev.tokentrail.query;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;

/**
 * JSON bodies and the error shape every endpoint shares: {@code {"error": "..."}}. The {@code
 * /api/v1/} endpoints answer with {@link #rounded}: every fractional number (USD amounts, ratios)
 * written with at most {@value #SIGNIFICANT_DIGITS} significant digits, and a NaN or infinite one
 * (which JSON cannot carry; Jackson would write the strings {@code "NaN"}, {@code "Infinity"}) as
 * {@code null}.
 */
final class JsonResponses {
  /**
   * Significant digits of the numbers in {@code /api/v1/} answers. A double holds 15 to 17; the
   * last are the noise of binary arithmetic ({@code 0.07206} summed comes out as {@code
   * 0.07205999999999999}), and grow with the number of calls summed. Twelve drop that noise and
   * keep more than any price or sum means: a picodollar on a one-dollar amount, and exact
   * comparisons of sums to within 1e-12 of their relative size.
   */
  static final int SIGNIFICANT_DIGITS = 12;

  private static final MathContext ROUNDING = new MathContext(SIGNIFICANT_DIGITS, RoundingMode.HALF_EVEN);
  private static final ObjectMapper ROUNDED = QueryApi.JSON.copy().registerModule(new SimpleModule("rounded-doubles")
      .addSerializer(Double.class, new RoundedDouble()).addSerializer(double.class, new RoundedDouble()));

  private JsonResponses() {}

  static HttpResponse ok(Object body) {
    return of(HttpStatus.OK, body);
  }

  /** 200 with the body's fractional numbers rounded to {@value #SIGNIFICANT_DIGITS} significant digits. */
  static HttpResponse rounded(Object body) {
    try {
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, ROUNDED.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize response", e);
    }
  }

  /** {@code value} to {@value #SIGNIFICANT_DIGITS} significant digits (NaN and infinities as they are). */
  static double round(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value) || value == 0) {
      return value;
    }
    return BigDecimal.valueOf(value).round(ROUNDING).doubleValue();
  }

  private static final class RoundedDouble extends StdSerializer<Double> {
    RoundedDouble() {
      super(Double.class);
    }

    @Override
    public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (Double.isFinite(value)) {
        gen.writeNumber(round(value));
      } else {
        gen.writeNull();
      }
    }
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
