/*
 * Writes Google libphonenumber's phone-prefix → time-zone map (the geocoder artifact's
 * timezones/map_data, the data behind PhoneNumberToTimeZonesMapper) as JSON, together with
 * the number patterns needed to tell geographic numbers from the rest where a calling code
 * spans several time zones. Run by generate.sh; the output is contacts/phone-time-zones.json.
 */
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.prefixmapper.PrefixTimeZonesMap;
import java.io.ObjectInputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

public class DumpTimeZones {
  /** Package-private in libphonenumber 9; the class path has no module walls to stop reflection. */
  private static final Method METADATA_FOR_REGION;

  static {
    try {
      METADATA_FOR_REGION = PhoneNumberUtil.class.getDeclaredMethod("getMetadataForRegion", String.class);
      METADATA_FOR_REGION.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  public static void main(String[] args) throws Exception {
    PrefixTimeZonesMap map = new PrefixTimeZonesMap();
    try (ObjectInputStream in = new ObjectInputStream(
        DumpTimeZones.class.getResourceAsStream("/com/google/i18n/phonenumbers/timezones/data/map_data"))) {
      map.readExternal(in);
    }
    // PrefixTimeZonesMap.toString() lists every entry as "prefix|zone&zone\n".
    Map<String, String> prefixes = new TreeMap<>();
    for (String line : map.toString().split("\n")) {
      if (line.isEmpty()) continue;
      String[] parts = line.split("\\|", 2);
      prefixes.put(parts[0], parts[1]);
    }
    PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    Map<Integer, TreeSet<String>> valuesByCode = new TreeMap<>();
    for (Map.Entry<String, String> e : prefixes.entrySet()) {
      int code = callingCode(util, e.getKey());
      valuesByCode.computeIfAbsent(code, k -> new TreeSet<>()).add(e.getValue());
    }
    StringBuilder out = new StringBuilder();
    out.append("{\n  \"source\": ").append(quote(args[0])).append(",\n  \"prefixes\": {\n");
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, String> e : prefixes.entrySet()) lines.add("    " + quote(e.getKey()) + ": " + quote(e.getValue()));
    out.append(String.join(",\n", lines)).append("\n  },\n  \"geographic\": {\n");
    lines.clear();
    for (Map.Entry<Integer, TreeSet<String>> e : valuesByCode.entrySet()) {
      if (e.getValue().size() < 2) continue; // one answer for the whole code: the number type does not matter
      lines.add("    " + quote(String.valueOf(e.getKey())) + ": " + patterns(util, e.getKey()));
    }
    out.append(String.join(",\n", lines)).append("\n  }\n}\n");
    System.out.print(out);
  }

  private static int callingCode(PhoneNumberUtil util, String prefix) {
    for (int length = 1; length <= 3 && length <= prefix.length(); length++) {
      int code = Integer.parseInt(prefix.substring(0, length));
      if (util.getSupportedCallingCodes().contains(code)) return code;
    }
    throw new IllegalStateException("no calling code for prefix " + prefix);
  }

  /** Which national numbers of the code are geographic (PhoneNumberUtil.isNumberGeographical) and which are special services. */
  private static String patterns(PhoneNumberUtil util, int code) throws ReflectiveOperationException {
    List<String> geographic = new ArrayList<>();
    List<String> special = new ArrayList<>();
    boolean mobileGeographic = util.isNumberGeographical(PhoneNumberType.MOBILE, code);
    for (String region : util.getRegionCodesForCountryCode(code)) {
      PhoneMetadata m = (PhoneMetadata) METADATA_FOR_REGION.invoke(util, region);
      add(geographic, m.getFixedLine());
      if (mobileGeographic) add(geographic, m.getMobile());
      for (PhoneNumberDesc d : new PhoneNumberDesc[] {m.getPremiumRate(), m.getTollFree(), m.getSharedCost(),
          m.getVoip(), m.getPersonalNumber(), m.getPager(), m.getUan(), m.getVoicemail()}) add(special, d);
    }
    return "{ \"geographic\": " + quote(String.join("|", geographic)) + ", \"special\": " + quote(String.join("|", special)) + " }";
  }

  private static void add(List<String> into, PhoneNumberDesc desc) {
    String pattern = desc.getNationalNumberPattern();
    if (!pattern.isEmpty() && !into.contains(pattern)) into.add(pattern);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
