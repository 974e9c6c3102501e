package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCharsetFilterTest {

    @ParameterizedTest
    @ValueSource(strings = {"utf-8", "UTF-8", "utf8", "\"UTF-8\"", " utf-8 "})
    void utf8UnderAnyOfItsNamesIsAccepted(String charset) {
        assertThat(JsonCharsetFilter.isUtf8(charset)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16", "ISO-8859-1", "us-ascii", "no-such-charset", "", "utf 8", "../../etc/passwd"})
    void anyOtherCharsetOrAnUnknownOrIllegalNameIsRefused(String charset) {
        assertThat(JsonCharsetFilter.isUtf8(charset)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "text/plain", "not a media type;;"})
    void aContentTypeWithoutACharsetOrThatCannotBeReadNamesNone(String contentType) {
        assertThat(JsonCharsetFilter.charsetOf(contentType)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=latin1", "application/json;charset=\"latin1\"", "APPLICATION/JSON; CHARSET=latin1"})
    void theCharsetParameterIsFoundWhateverItsSpelling(String contentType) {
        assertThat(JsonCharsetFilter.charsetOf(contentType)).isIn("latin1", "\"latin1\"");
    }
}
