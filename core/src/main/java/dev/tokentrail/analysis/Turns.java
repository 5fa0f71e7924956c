package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;

/**
 * The turns of conversations as context growth defines them (docs/waste.md): per conversation
 * ({@code gen_ai.conversation.id}, else the trace) the final attempts that reported input tokens.
 */
final class Turns {
  private Turns() {}

  /** Which calls are the first turn (earliest by start, then span id) of their conversation. */
  static boolean[] firstOfConversation(CallTable t, boolean[] finalAttempt) {
    boolean[] first = new boolean[t.size()];
    RowGroups conversations = RowGroups.of(t, row -> finalAttempt[row] && t.input(row) >= 0, new RowGroups.Key() {
      @Override
      public long a(int row) {
        return t.textId(row, Text.CONVERSATION);
      }

      @Override
      public long b(int row) {
        return t.textId(row, Text.CONVERSATION) >= 0 ? 0 : t.traceHi(row);
      }

      @Override
      public long c(int row) {
        return t.textId(row, Text.CONVERSATION) >= 0 ? 0 : t.traceLo(row);
      }
    }, false);
    for (int g = 0; g < conversations.groups(); g++) {
      int best = conversations.rows[conversations.starts[g]];
      for (int k = conversations.starts[g] + 1; k < conversations.starts[g + 1]; k++) {
        int row = conversations.rows[k];
        if (t.start(row) < t.start(best) || (t.start(row) == t.start(best) && t.spanId(row) < t.spanId(best))) {
          best = row;
        }
      }
      first[best] = true;
    }
    return first;
  }
}
