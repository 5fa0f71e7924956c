package dev.tokentrail.pricing;

/**
 * The token counts of one call in the OTel GenAI meaning: {@code input} includes cache reads,
 * cache writes and audio or image input; {@code cacheWrite} includes one-hour writes; {@code
 * output} includes reasoning and audio or image output. Negative counts are treated as zero.
 */
public final class Usage {
  final long input;
  final long cacheRead;
  final long cacheWrite;
  final long cacheWrite1h;
  final long inputAudio;
  final long cacheAudioRead;
  final long inputImage;
  final long output;
  final long reasoning;
  final long outputAudio;
  final long outputImage;

  private Usage(Builder b) {
    this.input = Math.max(0, b.input);
    this.cacheRead = Math.max(0, b.cacheRead);
    this.cacheWrite = Math.max(0, b.cacheWrite);
    this.cacheWrite1h = Math.max(0, b.cacheWrite1h);
    this.inputAudio = Math.max(0, b.inputAudio);
    this.cacheAudioRead = Math.max(0, b.cacheAudioRead);
    this.inputImage = Math.max(0, b.inputImage);
    this.output = Math.max(0, b.output);
    this.reasoning = Math.max(0, b.reasoning);
    this.outputAudio = Math.max(0, b.outputAudio);
    this.outputImage = Math.max(0, b.outputImage);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Plain input and output tokens. */
  public static Usage of(long input, long output) {
    return builder().input(input).output(output).build();
  }

  public long input() {
    return input;
  }

  public long cacheRead() {
    return cacheRead;
  }

  public long cacheWrite() {
    return cacheWrite;
  }

  public long cacheWrite1h() {
    return cacheWrite1h;
  }

  public long output() {
    return output;
  }

  public long reasoning() {
    return reasoning;
  }

  @Override
  public String toString() {
    return "Usage{input=" + input + ", cacheRead=" + cacheRead + ", cacheWrite=" + cacheWrite
        + ", cacheWrite1h=" + cacheWrite1h + ", inputAudio=" + inputAudio + ", cacheAudioRead="
        + cacheAudioRead + ", inputImage=" + inputImage + ", output=" + output + ", reasoning="
        + reasoning + ", outputAudio=" + outputAudio + ", outputImage=" + outputImage + "}";
  }

  /** Counts default to zero. */
  public static final class Builder {
    private long input;
    private long cacheRead;
    private long cacheWrite;
    private long cacheWrite1h;
    private long inputAudio;
    private long cacheAudioRead;
    private long inputImage;
    private long output;
    private long reasoning;
    private long outputAudio;
    private long outputImage;

    private Builder() {}

    /** All input tokens, cached, written to cache, audio and image included. */
    public Builder input(long tokens) {
      this.input = tokens;
      return this;
    }

    public Builder cacheRead(long tokens) {
      this.cacheRead = tokens;
      return this;
    }

    /** All cache-write tokens, one-hour writes included. */
    public Builder cacheWrite(long tokens) {
      this.cacheWrite = tokens;
      return this;
    }

    /** The part of {@link #cacheWrite} written with a one-hour lifetime. */
    public Builder cacheWrite1h(long tokens) {
      this.cacheWrite1h = tokens;
      return this;
    }

    /** Audio input tokens (part of {@link #input}), cached ones included. */
    public Builder inputAudio(long tokens) {
      this.inputAudio = tokens;
      return this;
    }

    /** Cached audio input tokens (part of {@link #cacheRead} and {@link #inputAudio}). */
    public Builder cacheAudioRead(long tokens) {
      this.cacheAudioRead = tokens;
      return this;
    }

    /** Image input tokens (part of {@link #input}). */
    public Builder inputImage(long tokens) {
      this.inputImage = tokens;
      return this;
    }

    /** All output tokens, reasoning, audio and image included. */
    public Builder output(long tokens) {
      this.output = tokens;
      return this;
    }

    /** Reasoning tokens (part of {@link #output}). */
    public Builder reasoning(long tokens) {
      this.reasoning = tokens;
      return this;
    }

    public Builder outputAudio(long tokens) {
      this.outputAudio = tokens;
      return this;
    }

    public Builder outputImage(long tokens) {
      this.outputImage = tokens;
      return this;
    }

    public Usage build() {
      return new Usage(this);
    }
  }
}
