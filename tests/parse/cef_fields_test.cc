// The key=value extension of consolidated event logs, as AsyncOS writes it: values with
// spaces, Python-repr dicts, escaped '=' (lines from ../shared/corpus, sources in
// samples/README.md).
#include <catch2/catch.hpp>

#include "parse/cef_fields.h"

using mailtls::cef_field;

TEST_CASE("a consolidated event's fields are read up to the next key, spaces and all", "[cef]") {
  const std::string_view ext =
      "deviceExternalId=4235746AE34E6DD44EB8-CE101C994AA5 ESAMID=5181473 ESAICID=17267358 ESADCID=3036000 "
      "endTime=Mon Jun 12 14:01:31 2023 ESAFriendlyFrom=jean sistin <jsistin@gmail.com> "
      "cs4='<CAKEaRS+qOfSncg8ppnitd\\\\=jqiqDs28MGVOLwYCdb3PZh7S-3Yw@mail.gmail.com>' "
      "ESASPFVerdict={'mailfrom': {'result': 'Pass', 'sender': 'jsistin@gmail.com'}} "
      "ESATLSInCipher=ECDHE-RSA-AES256-GCM-SHA384 ESATLSInConnStatus=Success ESATLSInProtocol=TLSv1.2 ";
  CHECK(cef_field(ext, "deviceExternalId") == "4235746AE34E6DD44EB8-CE101C994AA5");
  CHECK(cef_field(ext, "ESAICID") == "17267358");
  CHECK(cef_field(ext, "ESADCID") == "3036000");
  CHECK(cef_field(ext, "endTime") == "Mon Jun 12 14:01:31 2023");
  CHECK(cef_field(ext, "ESAFriendlyFrom") == "jean sistin <jsistin@gmail.com>");
  CHECK(cef_field(ext, "cs4") == "'<CAKEaRS+qOfSncg8ppnitd\\\\=jqiqDs28MGVOLwYCdb3PZh7S-3Yw@mail.gmail.com>'");
  CHECK(cef_field(ext, "ESATLSInConnStatus") == "Success");
  CHECK(cef_field(ext, "ESATLSInProtocol") == "TLSv1.2");  // trailing blank dropped
  CHECK(cef_field(ext, "ESATLSOutConnStatus").empty());
  CHECK(cef_field(ext, "ICID").empty());  // only whole keys
}

TEST_CASE("an extension that starts with a space, as splunk-connect-for-syslog's does, still reads", "[cef]") {
  const std::string_view ext = " cs6Label=esa cs6=Weak ESADCID=857 EndTime=Mon Aug 10 09:26:47 2020 "
                               "ESADaneStatus=failure ESADaneHost=testdomain.com";
  CHECK(cef_field(ext, "cs6Label") == "esa");
  CHECK(cef_field(ext, "ESADCID") == "857");
  CHECK(cef_field(ext, "ESADaneStatus") == "failure");
  CHECK(cef_field(ext, "ESADaneHost") == "testdomain.com");
}
