package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.fixed;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.Tensor;
import java.util.List;

/** One tensor per datatype, holding that type's edge values. */
final class SampleTensors {

  private SampleTensors() {}

  static Tensor of(DataType type) {
    String name = "in_" + type.name().toLowerCase();
    return switch (type) {
      case BOOL -> fixed(name, type, new long[] {2, 2}, b -> b.put((byte) 1).put((byte) 0).put((byte) 0).put((byte) 1));
      case UINT8 -> fixed(name, type, new long[] {2, 3},
          b -> b.put((byte) 0).put((byte) 1).put((byte) 127).put((byte) 128).put((byte) 200).put((byte) 255));
      case INT8 -> fixed(name, type, new long[] {4},
          b -> b.put(Byte.MIN_VALUE).put((byte) -1).put((byte) 0).put(Byte.MAX_VALUE));
      case UINT16 -> fixed(name, type, new long[] {3},
          b -> b.putShort((short) 0).putShort((short) 0x8000).putShort((short) 0xFFFF));
      case INT16 -> fixed(name, type, new long[] {3},
          b -> b.putShort(Short.MIN_VALUE).putShort((short) 0).putShort(Short.MAX_VALUE));
      case UINT32 -> fixed(name, type, new long[] {3},
          b -> b.putInt(0).putInt(0x8000_0000).putInt(0xFFFF_FFFF));
      case INT32 -> fixed(name, type, new long[] {1, 4},
          b -> b.putInt(Integer.MIN_VALUE).putInt(-1).putInt(0).putInt(Integer.MAX_VALUE));
      case UINT64 -> fixed(name, type, new long[] {4},
          b -> b.putLong(0).putLong(Long.MAX_VALUE).putLong(Long.MIN_VALUE).putLong(-1L));
      case INT64 -> fixed(name, type, new long[] {3},
          b -> b.putLong(Long.MIN_VALUE).putLong(0).putLong(Long.MAX_VALUE));
      case FP16 -> fixed(name, type, new long[] {2, 5}, b -> {
        for (int h : new int[] {0x0000, 0x8000, 0x3C00, 0x7BFF, 0x0001, 0x2E66, 0x7E00, 0x7C00, 0xFC00, 0xBC00}) {
          b.putShort((short) h);
        }
      });
      case BF16 -> fixed(name, type, new long[] {2, 4}, b -> {
        for (int h : new int[] {0x0000, 0x3F80, 0x7F7F, 0x0001, 0x3DCD, 0x7FC0, 0x7F80, 0xFF80}) {
          b.putShort((short) h);
        }
      });
      case FP32 -> fixed(name, type, new long[] {3, 3}, b -> b.putFloat(0.1f).putFloat(-0f).putFloat(Float.MIN_VALUE)
          .putFloat(Float.MAX_VALUE).putFloat(-Float.MAX_VALUE).putFloat(1f / 3).putFloat(Float.NaN)
          .putFloat(Float.POSITIVE_INFINITY).putFloat(Float.NEGATIVE_INFINITY));
      case FP64 -> fixed(name, type, new long[] {8}, b -> b.putDouble(0.1).putDouble(-0d).putDouble(Double.MIN_VALUE)
          .putDouble(Double.MAX_VALUE).putDouble(1d / 3).putDouble(Double.NaN).putDouble(Double.POSITIVE_INFINITY)
          .putDouble(Double.NEGATIVE_INFINITY));
      case BYTES -> Tensor.ofStrings(name, new long[] {2, 2},
          new String[] {"", "hello", "ünïcödé \uD83D\uDE80", "quote\" back\\ nl\n"});
    };
  }

  static List<Tensor> all() {
    return java.util.Arrays.stream(DataType.values()).map(SampleTensors::of).toList();
  }
}
