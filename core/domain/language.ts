/**
 * The spoken language a person may name for a recording: an ISO 639-1 code (`en`) or the language's English
 * name (`English`), in any case. Every entry point turns what it is given into the code with
 * `languageCode()`, so the engines only ever see a code they know.
 */

/** ISO 639-1 codes of the languages Whisper transcribes, with their English names. */
export const LANGUAGES: Readonly<Record<string, string>> = {
  af: 'Afrikaans', am: 'Amharic', ar: 'Arabic', as: 'Assamese', az: 'Azerbaijani', ba: 'Bashkir', be: 'Belarusian',
  bg: 'Bulgarian', bn: 'Bengali', bo: 'Tibetan', br: 'Breton', bs: 'Bosnian', ca: 'Catalan', cs: 'Czech', cy: 'Welsh',
  da: 'Danish', de: 'German', el: 'Greek', en: 'English', es: 'Spanish', et: 'Estonian', eu: 'Basque', fa: 'Persian',
  fi: 'Finnish', fo: 'Faroese', fr: 'French', gl: 'Galician', gu: 'Gujarati', ha: 'Hausa', he: 'Hebrew', hi: 'Hindi',
  hr: 'Croatian', ht: 'Haitian Creole', hu: 'Hungarian', hy: 'Armenian', id: 'Indonesian', is: 'Icelandic', it: 'Italian',
  ja: 'Japanese', jw: 'Javanese', ka: 'Georgian', kk: 'Kazakh', km: 'Khmer', kn: 'Kannada', ko: 'Korean', la: 'Latin',
  lb: 'Luxembourgish', ln: 'Lingala', lo: 'Lao', lt: 'Lithuanian', lv: 'Latvian', mg: 'Malagasy', mi: 'Maori',
  mk: 'Macedonian', ml: 'Malayalam', mn: 'Mongolian', mr: 'Marathi', ms: 'Malay', mt: 'Maltese', my: 'Burmese',
  ne: 'Nepali', nl: 'Dutch', nn: 'Norwegian Nynorsk', no: 'Norwegian', oc: 'Occitan', pa: 'Punjabi', pl: 'Polish',
  ps: 'Pashto', pt: 'Portuguese', ro: 'Romanian', ru: 'Russian', sa: 'Sanskrit', sd: 'Sindhi', si: 'Sinhala',
  sk: 'Slovak', sl: 'Slovenian', sn: 'Shona', so: 'Somali', sq: 'Albanian', sr: 'Serbian', su: 'Sundanese',
  sv: 'Swedish', sw: 'Swahili', ta: 'Tamil', te: 'Telugu', tg: 'Tajik', th: 'Thai', tk: 'Turkmen', tl: 'Tagalog',
  tr: 'Turkish', tt: 'Tatar', uk: 'Ukrainian', ur: 'Urdu', uz: 'Uzbek', vi: 'Vietnamese', yi: 'Yiddish',
  yo: 'Yoruba', zh: 'Chinese',
};

/** Lower-cased code or English name → code. */
const BY_NAME = new Map<string, string>(Object.entries(LANGUAGES).flatMap(([code, name]) => [[code, code], [name.toLowerCase(), code]]));

/** The ISO 639-1 code for `input` (a code or an English name, any case), or null when it names no language we know. */
export function languageCode(input: string): string | null {
  return BY_NAME.get(input.trim().toLowerCase()) ?? null;
}
