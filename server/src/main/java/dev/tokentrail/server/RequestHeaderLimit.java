package dev.tokentrail.server;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AsciiString;
import java.util.Map;

/**
 * Answers requests whose headers are too large with 431, on every port and protocol. HTTP/1
 * requests are refused so by Armeria's decoder at {@link #MAX_BYTES}; HTTP/2 ones are accepted
 * up to {@link #DECODE_LIMIT_BYTES} (what the server advertises as its header list size, so that
 * a client's oversize request reaches this check instead of resetting the connection with a
 * logged stack trace) and refused here. Sizes are counted as HTTP/2 does: name, value and 32 bytes
 * per field.
 */
final class RequestHeaderLimit implements DecoratingHttpServiceFunction {
  /** The largest request header block served. */
  static final int MAX_BYTES = 16 * 1024;
  /** The HTTP/2 header list size decoded before the check; past 1.25x of it Netty drops the connection. */
  static final long DECODE_LIMIT_BYTES = 1024 * 1024;

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    long size = 0;
    for (Map.Entry<AsciiString, String> header : req.headers()) {
      size += header.getKey().length() + header.getValue().length() + 32;
    }
    if (size > MAX_BYTES) {
      return HttpResponse.of(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, MediaType.PLAIN_TEXT_UTF_8,
          "request headers: " + size + " bytes (expected: <= " + MAX_BYTES + ")");
    }
    return delegate.serve(ctx, req);
  }
}
