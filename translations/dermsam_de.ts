<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de_DE">
    <context>
        <name>dermsam::DataPage</name>
        <message>
            <source>Data folder</source>
            <translation>Datenordner</translation>
        </message>
        <message>
            <source>Data</source>
            <translation>Daten</translation>
        </message>
        <message>
            <source>Choose a folder of dermoscopy images and their lesion masks. ISIC, PH2, images/ + masks/ and MedSAM .npy layouts are recognised.</source>
            <translation>Wählen Sie einen Ordner mit Dermatoskopiebildern und ihren Läsionsmasken. Erkannt werden die Strukturen ISIC, PH2, images/ + masks/ und MedSAM-.npy.</translation>
        </message>
        <message>
            <source>&amp;Browse...</source>
            <translation>&amp;Durchsuchen …</translation>
        </message>
        <message>
            <source>Problems (these pairs are left out):</source>
            <translation>Probleme (diese Paare werden ausgelassen):</translation>
        </message>
        <message>
            <source>Preview (mask outlined in green):</source>
            <translation>Vorschau (Maske grün umrandet):</translation>
        </message>
        <message>
            <source>Checking every image and mask in %1...</source>
            <translation>Alle Bilder und Masken in %1 werden geprüft …</translation>
        </message>
        <message>
            <source>No images with masks were recognised in this folder.</source>
            <translation>In diesem Ordner wurden keine Bilder mit Masken erkannt.</translation>
        </message>
        <message>
            <source>Layout: %1. Usable image/mask pairs: %2. Problems: %3.</source>
            <translation>Struktur: %1. Verwendbare Bild-Masken-Paare: %2. Probleme: %3.</translation>
        </message>
    </context>
    <context>
        <name>dermsam::EarlierVisitChooser</name>
        <message>
            <source>Compare with earlier visit</source>
            <translation>Mit früherem Besuch vergleichen</translation>
        </message>
        <message>
            <source>&amp;Earlier photo of this lesion, from the worklist (its saved mask is compared), or choose a file:</source>
            <translation>&amp;Früheres Foto dieser Läsion aus der Arbeitsliste (seine gespeicherte Maske wird verglichen) oder eine Datei wählen:</translation>
        </message>
        <message>
            <source>&amp;Compare</source>
            <translation>&amp;Vergleichen</translation>
        </message>
        <message>
            <source>Choose &amp;File...</source>
            <translation>&amp;Datei wählen …</translation>
        </message>
        <message>
            <source>mask saved</source>
            <translation>Maske gespeichert</translation>
        </message>
        <message>
            <source>no mask saved: cannot compare</source>
            <translation>keine Maske gespeichert: kein Vergleich möglich</translation>
        </message>
    </context>
    <context>
        <name>dermsam::FineTuneWizard</name>
        <message>
            <source>Fine-tune model</source>
            <translation>Modell feinabstimmen</translation>
        </message>
        <message>
            <source>the ground-truth box, each side moved outward by up to 20 px</source>
            <translation>die Box der Referenzmaske, jede Seite um bis zu 20 px nach außen verschoben</translation>
        </message>
        <message>
            <source>one click where the lesion is farthest from its border</source>
            <translation>ein Klick dort, wo die Läsion am weitesten von ihrem Rand entfernt ist</translation>
        </message>
        <message>
            <source>the ground-truth box</source>
            <translation>die Box der Referenzmaske</translation>
        </message>
        <message>
            <source>Stop fine-tuning?</source>
            <translation>Feinabstimmung beenden?</translation>
        </message>
        <message>
            <source>Training is running. Stop it and close the wizard? The best checkpoint so far is kept in the output folder.</source>
            <translation>Das Training läuft. Beenden und den Assistenten schließen? Der bisher beste Checkpoint bleibt im Ausgabeordner erhalten.</translation>
        </message>
    </context>
    <context>
        <name>dermsam::FollowUpDialog</name>
        <message>
            <source>Aligning the two photos...</source>
            <translation>Die beiden Fotos werden ausgerichtet …</translation>
        </message>
        <message>
            <source>Compare with %1</source>
            <translation>Vergleich mit %1</translation>
        </message>
        <message>
            <source>Aligned. Scroll to zoom and drag to pan: both sides move together.</source>
            <translation>Ausgerichtet. Mausrad zoomt, Ziehen verschiebt: beide Seiten bewegen sich gemeinsam.</translation>
        </message>
        <message>
            <source>Click a point on the earlier photo (left), then the same point on the current one (right); three pairs or more. %1 / %2 points.</source>
            <translation>Klicken Sie einen Punkt auf dem früheren Foto (links), dann denselben Punkt auf dem aktuellen (rechts); drei Paare oder mehr. %1 / %2 Punkte.</translation>
        </message>
        <message>
            <source>Compare with earlier visit</source>
            <translation>Mit früherem Besuch vergleichen</translation>
        </message>
        <message>
            <source>Side by side</source>
            <translation>Nebeneinander</translation>
        </message>
        <message>
            <source>Blend</source>
            <translation>Überblenden</translation>
        </message>
        <message>
            <source>Swipe</source>
            <translation>Wischen</translation>
        </message>
        <message>
            <source>Blend: how much of the earlier photo shows; swipe: where the line is</source>
            <translation>Überblenden: wie viel vom früheren Foto zu sehen ist; Wischen: wo die Linie liegt</translation>
        </message>
        <message>
            <source>Align by &amp;points</source>
            <translation>An &amp;Punkten ausrichten</translation>
        </message>
        <message>
            <source>Pick three or more matching points on both photos by hand</source>
            <translation>Drei oder mehr passende Punkte auf beiden Fotos von Hand wählen</translation>
        </message>
        <message>
            <source>Clear points</source>
            <translation>Punkte löschen</translation>
        </message>
        <message>
            <source>&amp;Align</source>
            <translation>&amp;Ausrichten</translation>
        </message>
        <message>
            <source>&lt;span style="color:#ff9600"&gt;■&lt;/span&gt; earlier outline &lt;span style="color:#00dcff"&gt;■&lt;/span&gt; current outline&lt;br&gt;&lt;span style="color:#00c800"&gt;■&lt;/span&gt; gained &lt;span style="color:#e60000"&gt;■&lt;/span&gt; lost</source>
            <translation>&lt;span style="color:#ff9600"&gt;■&lt;/span&gt; früherer Umriss &lt;span style="color:#00dcff"&gt;■&lt;/span&gt; aktueller Umriss&lt;br&gt;&lt;span style="color:#00c800"&gt;■&lt;/span&gt; hinzugekommen &lt;span style="color:#e60000"&gt;■&lt;/span&gt; weggefallen</translation>
        </message>
    </context>
    <context>
        <name>dermsam::FollowUpText</name>
        <message>
            <source>%1 has no saved mask: open it, segment the lesion and save the mask first.</source>
            <translation>%1 hat keine gespeicherte Maske: Öffnen Sie es, segmentieren Sie die Läsion und speichern Sie zuerst die Maske.</translation>
        </message>
        <message>
            <source>The two photos could not be matched automatically (too few common features): pick three matching points on each.</source>
            <translation>Die beiden Fotos ließen sich nicht automatisch zuordnen (zu wenige gemeinsame Merkmale): Wählen Sie auf jedem drei passende Punkte.</translation>
        </message>
        <message>
            <source>The automatic match needs a zoom beyond 2x between the photos: pick three matching points on each.</source>
            <translation>Die automatische Zuordnung bräuchte mehr als 2-fachen Zoom zwischen den Fotos: Wählen Sie auf jedem drei passende Punkte.</translation>
        </message>
        <message>
            <source>The automatic match is poor (the photos differ too much after aligning them): pick three matching points on each.</source>
            <translation>Die automatische Zuordnung ist schlecht (die Fotos unterscheiden sich nach dem Ausrichten zu stark): Wählen Sie auf jedem drei passende Punkte.</translation>
        </message>
        <message>
            <source>The points lie on one line: pick three points that form a triangle.</source>
            <translation>Die Punkte liegen auf einer Linie: Wählen Sie drei Punkte, die ein Dreieck bilden.</translation>
        </message>
        <message>
            <source>n/a</source>
            <translation>k. A.</translation>
        </message>
        <message>
            <source>Earlier visit</source>
            <translation>Früherer Besuch</translation>
        </message>
        <message>
            <source>Area, earlier → now</source>
            <translation>Fläche, früher → jetzt</translation>
        </message>
        <message>
            <source>%1 → %2 mm² (%3)</source>
            <translation>%1 → %2 mm² (%3)</translation>
        </message>
        <message>
            <source>%1 → %2 px (%3)</source>
            <translation>%1 → %2 px (%3)</translation>
        </message>
        <message>
            <source>Greatest diameter, earlier → now</source>
            <translation>Größter Durchmesser, früher → jetzt</translation>
        </message>
        <message>
            <source>%1 → %2 mm (%3)</source>
            <translation>%1 → %2 mm (%3)</translation>
        </message>
        <message>
            <source>Overlap (Dice) after alignment</source>
            <translation>Überlappung (Dice) nach dem Ausrichten</translation>
        </message>
        <message>
            <source>Gained / lost area</source>
            <translation>Hinzugekommene / weggefallene Fläche</translation>
        </message>
        <message>
            <source>%1 / %2 mm²</source>
            <translation>%1 / %2 mm²</translation>
        </message>
        <message>
            <source>%1 / %2 px</source>
            <translation>%1 / %2 px</translation>
        </message>
        <message>
            <source>Colours, earlier → now</source>
            <translation>Farben, früher → jetzt</translation>
        </message>
        <message>
            <source>%1 → %2</source>
            <translation>%1 → %2</translation>
        </message>
        <message>
            <source>automatic: %1 matching features (%2 % of matches), correlation %3</source>
            <translation>automatisch: %1 passende Merkmale (%2 % der Zuordnungen), Korrelation %3</translation>
        </message>
        <message>
            <source>by hand, residual %1 px</source>
            <translation>von Hand, Restfehler %1 px</translation>
        </message>
        <message>
            <source>Alignment</source>
            <translation>Ausrichtung</translation>
        </message>
        <message>
            <source>Scale, rotation</source>
            <translation>Maßstab, Drehung</translation>
        </message>
        <message>
            <source>%1x, %2°</source>
            <translation>%1×, %2°</translation>
        </message>
        <message>
            <source>Area changed by %1 %: beyond the %2 % threshold.</source>
            <translation>Fläche um %1 % verändert: über der Schwelle von %2 %.</translation>
        </message>
        <message>
            <source>Area changed by %1 %: within the %2 % threshold.</source>
            <translation>Fläche um %1 % verändert: innerhalb der Schwelle von %2 %.</translation>
        </message>
    </context>
    <context>
        <name>dermsam::HeatmapPanel</name>
        <message>
            <source>Show heatmap (H)</source>
            <translation>Heatmap anzeigen (H)</translation>
        </message>
        <message>
            <source>Grad-CAM</source>
            <translation>Grad-CAM</translation>
        </message>
        <message>
            <source>HiResCAM</source>
            <translation>HiResCAM</translation>
        </message>
        <message>
            <source>Grad-CAM++</source>
            <translation>Grad-CAM++</translation>
        </message>
        <message>
            <source>final image features (fast)</source>
            <translation>endgültige Bildmerkmale (schnell)</translation>
        </message>
        <message>
            <source>image analysis step </source>
            <translation>Bildanalyse-Schritt </translation>
        </message>
        <message>
            <source>Which layer the explanation looks at: the image embedding (the default, instant) or an earlier encoder block (slower, coarser detail of what the network saw first).</source>
            <translation>Welche Schicht die Erklärung betrachtet: das Bild-Embedding (Standard, sofort) oder ein früherer Encoder-Block (langsamer; zeigt, was das Netz zuerst gesehen hat).</translation>
        </message>
        <message>
            <source>Class-activation method: Grad-CAM weighs feature maps by their mean gradient; HiResCAM keeps the gradient per position; Grad-CAM++ weighs positive gradients more.</source>
            <translation>Class-Activation-Verfahren: Grad-CAM gewichtet Merkmalskarten mit ihrem mittleren Gradienten; HiResCAM behält den Gradienten je Position; Grad-CAM++ gewichtet positive Gradienten stärker.</translation>
        </message>
        <message>
            <source>Colours the image by how much each region drove the mask (Grad-CAM)</source>
            <translation>Färbt das Bild danach, wie stark jede Region die Maske bestimmt hat (Grad-CAM)</translation>
        </message>
        <message>
            <source>Turbo</source>
            <translation>Turbo</translation>
        </message>
        <message>
            <source>Jet</source>
            <translation>Jet</translation>
        </message>
        <message>
            <source>Viridis</source>
            <translation>Viridis</translation>
        </message>
        <message>
            <source>Explanation:</source>
            <translation>Erklärung:</translation>
        </message>
        <message>
            <source>Looks at:</source>
            <translation>Betrachtet:</translation>
        </message>
        <message>
            <source>Opacity:</source>
            <translation>Deckkraft:</translation>
        </message>
        <message>
            <source>Colour map:</source>
            <translation>Farbskala:</translation>
        </message>
        <message>
            <source>low</source>
            <translation>niedrig</translation>
        </message>
        <message>
            <source>high</source>
            <translation>hoch</translation>
        </message>
    </context>
    <context>
        <name>dermsam::ImageCanvas</name>
        <message>
            <source>Open an image or a folder (File &gt; Open), or drop one here.</source>
            <translation>Öffnen Sie ein Bild oder einen Ordner (Datei &gt; Öffnen) oder ziehen Sie es hierher.</translation>
        </message>
        <message>
            <source>%1 mm</source>
            <translation>%1 mm</translation>
        </message>
    </context>
    <context>
        <name>dermsam::LesionReport</name>
        <message>
            <source>%1 could not be written: %2</source>
            <translation>%1 konnte nicht geschrieben werden: %2</translation>
        </message>
        <message>
            <source>box (%1, %2)–(%3, %4)</source>
            <translation>Rahmen (%1, %2)–(%3, %4)</translation>
        </message>
        <message>
            <source>lesion point (%1, %2)</source>
            <translation>Läsionspunkt (%1, %2)</translation>
        </message>
        <message>
            <source>background point (%1, %2)</source>
            <translation>Hintergrundpunkt (%1, %2)</translation>
        </message>
        <message>
            <source>none (drawn by hand)</source>
            <translation>keine (von Hand gezeichnet)</translation>
        </message>
        <message>
            <source>DermSAM lesion report</source>
            <translation>DermSAM-Läsionsbericht</translation>
        </message>
        <message>
            <source>Research use, not for diagnosis.</source>
            <translation>Nur für die Forschung, nicht zur Diagnose.</translation>
        </message>
        <message>
            <source>These figures describe a mask made with a segmentation model; they must not be used for diagnosis or treatment decisions.</source>
            <translation>Diese Werte beschreiben eine Maske, die ein Segmentierungsmodell erstellt hat; sie dürfen nicht für Diagnose- oder Therapieentscheidungen verwendet werden.</translation>
        </message>
        <message>
            <source>Made with DermSAM %1. Definitions of the measurements: docs/measurements.md.</source>
            <translation>Erstellt mit DermSAM %1. Definitionen der Messwerte: docs/measurements.md.</translation>
        </message>
        <message>
            <source>Image</source>
            <translation>Bild</translation>
        </message>
        <message>
            <source>Image size</source>
            <translation>Bildgröße</translation>
        </message>
        <message>
            <source>%1 × %2 px</source>
            <translation>%1 × %2 px</translation>
        </message>
        <message>
            <source>Report date</source>
            <translation>Berichtsdatum</translation>
        </message>
        <message>
            <source>Operator</source>
            <translation>Bearbeiter</translation>
        </message>
        <message>
            <source>not given</source>
            <translation>nicht angegeben</translation>
        </message>
        <message>
            <source>Model</source>
            <translation>Modell</translation>
        </message>
        <message>
            <source>unknown</source>
            <translation>unbekannt</translation>
        </message>
        <message>
            <source>Model SHA-256</source>
            <translation>SHA-256 des Modells</translation>
        </message>
        <message>
            <source>Preprocessing</source>
            <translation>Vorverarbeitung</translation>
        </message>
        <message>
            <source>Prompts</source>
            <translation>Eingaben</translation>
        </message>
        <message>
            <source>Edited by hand</source>
            <translation>Von Hand bearbeitet</translation>
        </message>
        <message>
            <source>yes</source>
            <translation>ja</translation>
        </message>
        <message>
            <source>no</source>
            <translation>nein</translation>
        </message>
        <message>
            <source>Left: the mask's outline (cyan) and its greatest diameter (white). Right: the Grad-CAM heatmap, red where the model looked most.</source>
            <translation>Links: der Umriss der Maske (cyan) und ihr größter Durchmesser (weiß). Rechts: die Grad-CAM-Heatmap, rot, wo das Modell am meisten hinsah.</translation>
        </message>
        <message>
            <source>The mask's outline (cyan) and its greatest diameter (white).</source>
            <translation>Der Umriss der Maske (cyan) und ihr größter Durchmesser (weiß).</translation>
        </message>
        <message>
            <source>Measurements</source>
            <translation>Messungen</translation>
        </message>
        <message>
            <source>Follow-up</source>
            <translation>Verlaufskontrolle</translation>
        </message>
    </context>
    <context>
        <name>dermsam::MainWindow</name>
        <message>
            <source>x %1, y %2</source>
            <translation>x %1, y %2</translation>
        </message>
        <message>
            <source>Model</source>
            <translation>Modell</translation>
        </message>
        <message>
            <source>Open image</source>
            <translation>Bild öffnen</translation>
        </message>
        <message>
            <source>Peak at %1, %2 (%3 ms).</source>
            <translation>Maximum bei %1, %2 (%3 ms).</translation>
        </message>
        <message>
            <source>Loading model...</source>
            <translation>Modell wird geladen …</translation>
        </message>
        <message>
            <source>Analysing image...</source>
            <translation>Bild wird analysiert …</translation>
        </message>
        <message>
            <source>Computing mask...</source>
            <translation>Maske wird berechnet …</translation>
        </message>
        <message>
            <source>Open an image or a folder of images (File menu, Ctrl+O), or drop one here.
Then drag a box around the lesion.</source>
            <translation>Öffnen Sie ein Bild oder einen Ordner mit Bildern (Menü Datei, Strg+O) oder ziehen Sie es hierher.
Ziehen Sie dann einen Rahmen um die Läsion.</translation>
        </message>
        <message>
            <source>Open sample image</source>
            <translation>Beispielbild öffnen</translation>
        </message>
        <message>
            <source>An ISIC 2018 dermoscopy image (CC BY-NC 4.0), to try DermSAM</source>
            <translation>Ein Dermatoskopie-Bild aus ISIC 2018 (CC BY-NC 4.0) zum Ausprobieren von DermSAM</translation>
        </message>
        <message>
            <source>%1 x %2 px</source>
            <translation>%1 × %2 px</translation>
        </message>
        <message>
            <source>&amp;Box</source>
            <translation>&amp;Rahmen</translation>
        </message>
        <message>
            <source>Drag a box around the lesion</source>
            <translation>Ziehen Sie einen Rahmen um die Läsion</translation>
        </message>
        <message>
            <source>&amp;Point</source>
            <translation>&amp;Punkt</translation>
        </message>
        <message>
            <source>Click: lesion point; right or Shift-click: background point</source>
            <translation>Klick: Läsionspunkt; Rechts- oder Umschalt-Klick: Hintergrundpunkt</translation>
        </message>
        <message>
            <source>Br&amp;ush</source>
            <translation>P&amp;insel</translation>
        </message>
        <message>
            <source>Paint lesion pixels (right button erases)</source>
            <translation>Läsionspixel malen (rechte Taste radiert)</translation>
        </message>
        <message>
            <source>&amp;Eraser</source>
            <translation>Radier&amp;gummi</translation>
        </message>
        <message>
            <source>Erase lesion pixels</source>
            <translation>Läsionspixel entfernen</translation>
        </message>
        <message>
            <source>&amp;Calibrate</source>
            <translation>&amp;Kalibrieren</translation>
        </message>
        <message>
            <source>Draw a line of known length to measure in mm</source>
            <translation>Eine Linie bekannter Länge zeichnen, um in mm zu messen</translation>
        </message>
        <message>
            <source>P&amp;an</source>
            <translation>&amp;Verschieben</translation>
        </message>
        <message>
            <source>Drag to move the image (or hold Space, or use the middle button)</source>
            <translation>Ziehen verschiebt das Bild (oder Leertaste halten, oder mittlere Maustaste)</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>&amp;Datei</translation>
        </message>
        <message>
            <source>Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)</source>
            <translation>Bilder (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;Alle Dateien (*)</translation>
        </message>
        <message>
            <source>&amp;Open Image...</source>
            <translation>Bild ö&amp;ffnen …</translation>
        </message>
        <message>
            <source>Open folder</source>
            <translation>Ordner öffnen</translation>
        </message>
        <message>
            <source>Open &amp;Folder as Worklist...</source>
            <translation>&amp;Ordner als Arbeitsliste öffnen …</translation>
        </message>
        <message>
            <source>Open &amp;Recent</source>
            <translation>&amp;Zuletzt geöffnet</translation>
        </message>
        <message>
            <source>&amp;Export Report...</source>
            <translation>Bericht &amp;exportieren …</translation>
        </message>
        <message>
            <source>&amp;Save Mask</source>
            <translation>Maske &amp;speichern</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>&amp;Beenden</translation>
        </message>
        <message>
            <source>&amp;Edit</source>
            <translation>&amp;Bearbeiten</translation>
        </message>
        <message>
            <source>&amp;Refine Mask</source>
            <translation>Maske &amp;verfeinern</translation>
        </message>
        <message>
            <source>Feed the edited mask back to the model as a mask prompt</source>
            <translation>Die bearbeitete Maske dem Modell als Masken-Prompt zurückgeben</translation>
        </message>
        <message>
            <source>&amp;Auto Outline</source>
            <translation>&amp;Automatisch umranden</translation>
        </message>
        <message>
            <source>Outline the main lesion with no prompt; accept it, edit it or draw a box to redo it</source>
            <translation>Die Hauptläsion ohne Vorgabe umranden; übernehmen, bearbeiten oder mit einem Rahmen neu bestimmen</translation>
        </message>
        <message>
            <source>&amp;Clear Prompts</source>
            <translation>Prompts &amp;löschen</translation>
        </message>
        <message>
            <source>&amp;Settings...</source>
            <translation>&amp;Einstellungen …</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>&amp;Ansicht</translation>
        </message>
        <message>
            <source>Zoom to &amp;Fit</source>
            <translation>&amp;Einpassen</translation>
        </message>
        <message>
            <source>&amp;Actual Pixels (1:1)</source>
            <translation>&amp;Originalgröße (1:1)</translation>
        </message>
        <message>
            <source>Zoom &amp;In</source>
            <translation>Ver&amp;größern</translation>
        </message>
        <message>
            <source>Zoom &amp;Out</source>
            <translation>Ver&amp;kleinern</translation>
        </message>
        <message>
            <source>Show &amp;Mask</source>
            <translation>&amp;Maske anzeigen</translation>
        </message>
        <message>
            <source>Show &amp;Contour</source>
            <translation>&amp;Kontur anzeigen</translation>
        </message>
        <message>
            <source>Mask colour</source>
            <translation>Maskenfarbe</translation>
        </message>
        <message>
            <source>Mask &amp;Colour...</source>
            <translation>Masken&amp;farbe …</translation>
        </message>
        <message>
            <source>&amp;Tools</source>
            <translation>&amp;Werkzeuge</translation>
        </message>
        <message>
            <source>Tools</source>
            <translation>Werkzeuge</translation>
        </message>
        <message>
            <source>Compare with Earlier &amp;Visit...</source>
            <translation>Mit früherem &amp;Besuch vergleichen …</translation>
        </message>
        <message>
            <source>Align an earlier photo of this lesion and show how it changed</source>
            <translation>Ein früheres Foto dieser Läsion ausrichten und zeigen, wie sie sich verändert hat</translation>
        </message>
        <message>
            <source>Using %1 for this session. To keep it, choose it in Edit &gt; Settings.</source>
            <translation>%1 wird für diese Sitzung verwendet. Um es zu behalten, wählen Sie es unter Bearbeiten &gt; Einstellungen.</translation>
        </message>
        <message>
            <source>&amp;Fine-tune model...</source>
            <translation>Modell &amp;feinabstimmen …</translation>
        </message>
        <message>
            <source>Brush size:</source>
            <translation>Pinselgröße:</translation>
        </message>
        <message>
            <source> px</source>
            <translation> px</translation>
        </message>
        <message>
            <source>S&amp;maller Brush</source>
            <translation>&amp;Dünnerer Pinsel</translation>
        </message>
        <message>
            <source>&amp;Larger Brush</source>
            <translation>&amp;Breiterer Pinsel</translation>
        </message>
        <message>
            <source>Opacity:</source>
            <translation>Deckkraft:</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>&amp;Hilfe</translation>
        </message>
        <message>
            <source>&amp;Keyboard Shortcuts</source>
            <translation>&amp;Tastenkürzel</translation>
        </message>
        <message>
            <source>&amp;About DermSAM</source>
            <translation>&amp;Über DermSAM</translation>
        </message>
        <message>
            <source>Undo</source>
            <translation>Rückgängig</translation>
        </message>
        <message>
            <source>Undo %1</source>
            <translation>Rückgängig: %1</translation>
        </message>
        <message>
            <source>Redo</source>
            <translation>Wiederherstellen</translation>
        </message>
        <message>
            <source>Redo %1</source>
            <translation>Wiederholen: %1</translation>
        </message>
        <message>
            <source>Worklist</source>
            <translation>Arbeitsliste</translation>
        </message>
        <message>
            <source>Toggle &amp;Done</source>
            <translation>Als &amp;erledigt markieren/aufheben</translation>
        </message>
        <message>
            <source>Next Image</source>
            <translation>Nächstes Bild</translation>
        </message>
        <message>
            <source>Previous Image</source>
            <translation>Vorheriges Bild</translation>
        </message>
        <message>
            <source>Candidate masks</source>
            <translation>Maskenvorschläge</translation>
        </message>
        <message>
            <source>Point prompts give three candidate masks: pick one.</source>
            <translation>Punkt-Prompts liefern drei Maskenvorschläge: wählen Sie einen.</translation>
        </message>
        <message>
            <source>Measurements</source>
            <translation>Messungen</translation>
        </message>
        <message>
            <source>Heatmap</source>
            <translation>Heatmap</translation>
        </message>
        <message>
            <source>Show &amp;Heatmap</source>
            <translation>&amp;Heatmap anzeigen</translation>
        </message>
        <message>
            <source>&amp;Panels</source>
            <translation>&amp;Bereiche</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <source>Zoom %1%</source>
            <translation>Zoom %1%</translation>
        </message>
        <message>
            <source>Research use, not for diagnosis</source>
            <translation>Nur für die Forschung, nicht zur Diagnose</translation>
        </message>
        <message>
            <source>DermSAM's masks, heatmaps and measurements must not be used for diagnosis or treatment decisions.</source>
            <translation>Masken, Heatmaps und Messungen von DermSAM dürfen nicht für Diagnose- oder Therapieentscheidungen verwendet werden.</translation>
        </message>
        <message>
            <source>Model: %1 (%2) on %3, %4</source>
            <translation>Modell: %1 (%2) auf %3, %4</translation>
        </message>
        <message>
            <source>Model: %1 (%2) on %3, %4; %5 encoder</source>
            <translation>Modell: %1 (%2) auf %3, %4; Encoder %5</translation>
        </message>
        <message>
            <source>No model - choose a checkpoint in Edit &gt; Settings</source>
            <translation>Kein Modell – wählen Sie einen Checkpoint unter Bearbeiten &gt; Einstellungen</translation>
        </message>
        <message>
            <source>No model</source>
            <translation>Kein Modell</translation>
        </message>
        <message>
            <source>DermSAM</source>
            <translation>DermSAM</translation>
        </message>
        <message>
            <source>%1 contains no images.</source>
            <translation>%1 enthält keine Bilder.</translation>
        </message>
        <message>
            <source>Unsaved edits</source>
            <translation>Nicht gespeicherte Änderungen</translation>
        </message>
        <message>
            <source>DermSAM kept unsaved mask edits of %1 from %2, when it last ended without saving them. Restore them?</source>
            <translation>DermSAM hat nicht gespeicherte Maskenänderungen an %1 vom %2 aufbewahrt, als es zuletzt ohne Speichern beendet wurde. Wiederherstellen?</translation>
        </message>
        <message>
            <source>Unsaved mask</source>
            <translation>Ungespeicherte Maske</translation>
        </message>
        <message>
            <source>The mask of %1 has unsaved changes. Save them?</source>
            <translation>Die Maske von %1 hat ungespeicherte Änderungen. Speichern?</translation>
        </message>
        <message>
            <source>Save mask</source>
            <translation>Maske speichern</translation>
        </message>
        <message>
            <source>Mask %1: predicted IoU %2</source>
            <translation>Maske %1: vorhergesagter IoU %2</translation>
        </message>
        <message>
            <source>No lesion mask</source>
            <translation>Keine Läsionsmaske</translation>
        </message>
        <message>
            <source>Area %1 px, max diameter %2 px</source>
            <translation>Fläche %1 px, max. Durchmesser %2 px</translation>
        </message>
        <message>
            <source> (%1 mm², %2 mm%3)</source>
            <translation> (%1 mm², %2 mm%3)</translation>
        </message>
        <message>
            <source>, calibrated</source>
            <translation>, kalibriert</translation>
        </message>
        <message>
            <source>Compare with earlier visit</source>
            <translation>Mit früherem Besuch vergleichen</translation>
        </message>
        <message>
            <source>Outline the lesion on this image first (drag a box around it): the comparison needs its mask.</source>
            <translation>Umranden Sie zuerst die Läsion auf diesem Bild (ziehen Sie einen Rahmen darum): Der Vergleich braucht ihre Maske.</translation>
        </message>
        <message>
            <source>Earlier photo of this lesion</source>
            <translation>Früheres Foto dieser Läsion</translation>
        </message>
        <message>
            <source>Export report</source>
            <translation>Bericht exportieren</translation>
        </message>
        <message>
            <source>PDF (*.pdf);;HTML (*.html *.htm)</source>
            <translation>PDF (*.pdf);;HTML (*.html *.htm)</translation>
        </message>
        <message>
            <source>Report written to %1</source>
            <translation>Bericht nach %1 geschrieben</translation>
        </message>
        <message>
            <source>Calibrate</source>
            <translation>Kalibrieren</translation>
        </message>
        <message>
            <source>The line is %1 px long. Its length in mm:</source>
            <translation>Die Linie ist %1 px lang. Ihre Länge in mm:</translation>
        </message>
        <message>
            <source>About DermSAM</source>
            <translation>Über DermSAM</translation>
        </message>
        <message>
            <source>&lt;h3&gt;DermSAM %1&lt;/h3&gt;&lt;p&gt;Dermoscopy lesion segmentation with Segment Anything-family models.&lt;/p&gt;&lt;p&gt;&lt;b&gt;DermSAM is a research tool, not a diagnostic device.&lt;/b&gt; Its masks and measurements must not be used for diagnosis or treatment decisions.&lt;/p&gt;</source>
            <translation>&lt;h3&gt;DermSAM %1&lt;/h3&gt;&lt;p&gt;Segmentierung von Hautläsionen in Dermatoskopiebildern mit Modellen der Segment-Anything-Familie.&lt;/p&gt;&lt;p&gt;&lt;b&gt;DermSAM ist ein Forschungswerkzeug, kein Diagnosegerät.&lt;/b&gt; Seine Masken und Messungen dürfen nicht für Diagnose- oder Therapieentscheidungen verwendet werden.&lt;/p&gt;</translation>
        </message>
        <message>
            <source>Keyboard shortcuts</source>
            <translation>Tastenkürzel</translation>
        </message>
        <message>
            <source>Mouse: drag a box around the lesion; click to add a lesion point, right-click or Shift-click for a background point; wheel zooms; middle button or Space+drag pans.</source>
            <translation>Maus: Rahmen um die Läsion ziehen; Klick setzt einen Läsionspunkt, Rechts- oder Umschalt-Klick einen Hintergrundpunkt; das Mausrad zoomt; mittlere Taste oder Leertaste+Ziehen verschiebt.</translation>
        </message>
    </context>
    <context>
        <name>dermsam::MeasurementRows</name>
        <message>
            <source>Area</source>
            <translation>Fläche</translation>
        </message>
        <message>
            <source>No lesion mask</source>
            <translation>Keine Läsionsmaske</translation>
        </message>
        <message>
            <source>Lesion pixels</source>
            <translation>Pixel der Läsion</translation>
        </message>
        <message>
            <source>%1 mm (%2 px)</source>
            <translation>%1 mm (%2 px)</translation>
        </message>
        <message>
            <source>%1 px</source>
            <translation>%1 px</translation>
        </message>
        <message>
            <source>%1 mm² (%2 px)</source>
            <translation>%1 mm² (%2 px)</translation>
        </message>
        <message>
            <source>Greatest diameter</source>
            <translation>Größter Durchmesser</translation>
        </message>
        <message>
            <source>Maximum Feret diameter, drawn on the image</source>
            <translation>Maximaler Feret-Durchmesser, im Bild eingezeichnet</translation>
        </message>
        <message>
            <source>Smallest width</source>
            <translation>Kleinste Breite</translation>
        </message>
        <message>
            <source>Minimum Feret diameter</source>
            <translation>Minimaler Feret-Durchmesser</translation>
        </message>
        <message>
            <source>Equivalent diameter</source>
            <translation>Äquivalentdurchmesser</translation>
        </message>
        <message>
            <source>Diameter of the disc of the same area</source>
            <translation>Durchmesser der Kreisscheibe gleicher Fläche</translation>
        </message>
        <message>
            <source>Perimeter</source>
            <translation>Umfang</translation>
        </message>
        <message>
            <source>Length of the outline</source>
            <translation>Länge des Umrisses</translation>
        </message>
        <message>
            <source>Shape asymmetry</source>
            <translation>Formasymmetrie</translation>
        </message>
        <message>
            <source>%1 of 2 axes (%2, %3)</source>
            <translation>%1 von 2 Achsen (%2, %3)</translation>
        </message>
        <message>
            <source>Share of the lesion left unmatched when folded about each principal axis; asymmetric above %1</source>
            <translation>Anteil der Läsion, der beim Falten an jeder Hauptachse nicht zur Deckung kommt; asymmetrisch über %1</translation>
        </message>
        <message>
            <source>Compactness</source>
            <translation>Kompaktheit</translation>
        </message>
        <message>
            <source>Perimeter² / (4π × area): 1 for a disc, higher for a ragged border</source>
            <translation>Umfang² / (4π × Fläche): 1 für eine Kreisscheibe, höher für einen zerklüfteten Rand</translation>
        </message>
        <message>
            <source>Border indentation</source>
            <translation>Randeinbuchtung</translation>
        </message>
        <message>
            <source>1 − area / convex hull area</source>
            <translation>1 − Fläche / Fläche der konvexen Hülle</translation>
        </message>
        <message>
            <source>Colour asymmetry</source>
            <translation>Farbasymmetrie</translation>
        </message>
        <message>
            <source>%1 of 2 axes (ΔE %2, %3)</source>
            <translation>%1 von 2 Achsen (ΔE %2, %3)</translation>
        </message>
        <message>
            <source>Mean colour difference between mirrored pixels; asymmetric above ΔE %1</source>
            <translation>Mittlerer Farbabstand gespiegelter Pixel; asymmetrisch über ΔE %1</translation>
        </message>
        <message>
            <source>Border sharpness</source>
            <translation>Randschärfe</translation>
        </message>
        <message>
            <source>Mean lightness gradient (L* per pixel) on the outline</source>
            <translation>Mittlerer Helligkeitsgradient (L* pro Pixel) auf dem Umriss</translation>
        </message>
        <message>
            <source>white</source>
            <translation>weiß</translation>
        </message>
        <message>
            <source>red</source>
            <translation>rot</translation>
        </message>
        <message>
            <source>light brown</source>
            <translation>hellbraun</translation>
        </message>
        <message>
            <source>dark brown</source>
            <translation>dunkelbraun</translation>
        </message>
        <message>
            <source>blue-grey</source>
            <translation>blaugrau</translation>
        </message>
        <message>
            <source>black</source>
            <translation>schwarz</translation>
        </message>
        <message>
            <source>%1 %2%</source>
            <translation>%1 %2 %</translation>
        </message>
        <message>
            <source>Colours</source>
            <translation>Farben</translation>
        </message>
        <message>
            <source>Dermoscopic colours covering at least %1% of the lesion</source>
            <translation>Dermatoskopische Farben, die mindestens %1 % der Läsion bedecken</translation>
        </message>
        <message>
            <source>Pixel size</source>
            <translation>Pixelgröße</translation>
        </message>
        <message>
            <source>calibrated</source>
            <translation>kalibriert</translation>
        </message>
        <message>
            <source>from the DICOM file</source>
            <translation>aus der DICOM-Datei</translation>
        </message>
        <message>
            <source>given on the command line (%1 mm per pixel)</source>
            <translation>auf der Kommandozeile angegeben (%1 mm pro Pixel)</translation>
        </message>
        <message>
            <source>unknown (draw a calibration line, C)</source>
            <translation>unbekannt (Kalibrierlinie ziehen, C)</translation>
        </message>
        <message>
            <source>Where the millimetres come from</source>
            <translation>Woher die Millimeter stammen</translation>
        </message>
        <message>
            <source>%1 mm</source>
            <translation>%1 mm</translation>
        </message>
    </context>
    <context>
        <name>dermsam::ModelPage</name>
        <message>
            <source>Base model</source>
            <translation>Basismodell</translation>
        </message>
        <message>
            <source>Checkpoints (*.pth *.pt *.safetensors);;All files (*)</source>
            <translation>Checkpoints (*.pth *.pt *.safetensors);;Alle Dateien (*)</translation>
        </message>
        <message>
            <source>Model</source>
            <translation>Modell</translation>
        </message>
        <message>
            <source>The model to start from. Its image and prompt encoders stay frozen; the mask decoder learns from your data (parameter-efficient fine-tuning).</source>
            <translation>Das Ausgangsmodell. Sein Bild- und Prompt-Encoder bleiben eingefroren; der Maskendecoder lernt aus Ihren Daten (parametereffiziente Feinabstimmung).</translation>
        </message>
        <message>
            <source>The &amp;current model (the built-in default model)</source>
            <translation>Das &amp;aktuelle Modell (das eingebaute Standardmodell)</translation>
        </message>
        <message>
            <source>The &amp;current model (%1)</source>
            <translation>Das &amp;aktuelle Modell (%1)</translation>
        </message>
        <message>
            <source>The built-in &amp;default model</source>
            <translation>Das eingebaute &amp;Standardmodell</translation>
        </message>
        <message>
            <source>A checkpoint &amp;file (MedSAM, SAM, .pth or .safetensors):</source>
            <translation>Eine Checkpoint-&amp;Datei (MedSAM, SAM, .pth oder .safetensors):</translation>
        </message>
        <message>
            <source>Bro&amp;wse...</source>
            <translation>Durch&amp;suchen …</translation>
        </message>
        <message>
            <source>Mask decoder (always)</source>
            <translation>Maskendecoder (immer)</translation>
        </message>
        <message>
            <source>Prompt encoder too</source>
            <translation>Auch den Prompt-Encoder</translation>
        </message>
        <message>
            <source>Rarely helps; the PEFT default trains the decoder only.</source>
            <translation>Hilft selten; die PEFT-Voreinstellung trainiert nur den Decoder.</translation>
        </message>
        <message>
            <source>Automatic (GPU when present)</source>
            <translation>Automatisch (GPU, falls vorhanden)</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>CUDA GPU</source>
            <translation>CUDA-GPU</translation>
        </message>
        <message>
            <source>float32</source>
            <translation>float32</translation>
        </message>
        <message>
            <source>bfloat16 (faster on recent GPUs)</source>
            <translation>bfloat16 (schneller auf neueren GPUs)</translation>
        </message>
        <message>
            <source>TF32 matrix products on NVIDIA GPUs (faster, slightly less exact)</source>
            <translation>TF32-Matrixprodukte auf NVIDIA-GPUs (schneller, etwas weniger genau)</translation>
        </message>
        <message>
            <source>Off: float32 products are exact on the GPU too, and slower.</source>
            <translation>Aus: float32-Produkte sind auch auf der GPU exakt, aber langsamer.</translation>
        </message>
        <message>
            <source>What trains:</source>
            <translation>Was trainiert wird:</translation>
        </message>
        <message>
            <source>Device:</source>
            <translation>Gerät:</translation>
        </message>
        <message>
            <source>Precision:</source>
            <translation>Genauigkeit:</translation>
        </message>
    </context>
    <context>
        <name>dermsam::ResultsPage</name>
        <message>
            <source>Results</source>
            <translation>Ergebnisse</translation>
        </message>
        <message>
            <source>Zero-shot (A) against fine-tuned (B) on the test images, prompted with %1: the numbers of dermsam-cli compare.</source>
            <translation>Zero-Shot (A) gegen feinabgestimmt (B) auf den Testbildern, Prompt: %1 – die Zahlen von dermsam-cli compare.</translation>
        </message>
        <message>
            <source>Most improved (outlines: green ground truth, orange zero-shot, magenta fine-tuned):</source>
            <translation>Am stärksten verbessert (Umrisse: grün Referenz, orange Zero-Shot, magenta feinabgestimmt):</translation>
        </message>
        <message>
            <source>Most worsened:</source>
            <translation>Am stärksten verschlechtert:</translation>
        </message>
        <message>
            <source>Most improved: none of the test images got better.</source>
            <translation>Am stärksten verbessert: keines der Testbilder wurde besser.</translation>
        </message>
        <message>
            <source>Most worsened: none of the test images got worse.</source>
            <translation>Am stärksten verschlechtert: keines der Testbilder wurde schlechter.</translation>
        </message>
        <message>
            <source>Evaluating both models on the test images...</source>
            <translation>Beide Modelle werden auf den Testbildern ausgewertet …</translation>
        </message>
        <message>
            <source>Zero-shot model: image %1 of %2</source>
            <translation>Zero-Shot-Modell: Bild %1 von %2</translation>
        </message>
        <message>
            <source>Fine-tuned model: image %1 of %2</source>
            <translation>Feinabgestimmtes Modell: Bild %1 von %2</translation>
        </message>
        <message>
            <source>The comparison failed: %1</source>
            <translation>Der Vergleich ist fehlgeschlagen: %1</translation>
        </message>
        <message>
            <source>The difference in Dice is significant (p &lt; 0.05).</source>
            <translation>Der Unterschied im Dice ist signifikant (p &lt; 0,05).</translation>
        </message>
        <message>
            <source>The difference in Dice is not significant.</source>
            <translation>Der Unterschied im Dice ist nicht signifikant.</translation>
        </message>
        <message>
            <source>&lt;table cellspacing=4&gt;&lt;tr&gt;&lt;th&gt;&lt;/th&gt;&lt;th&gt;Dice&lt;/th&gt;&lt;th&gt;IoU&lt;/th&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;A zero-shot&lt;/td&gt;&lt;td&gt;%1 &amp;plusmn; %2&lt;/td&gt;&lt;td&gt;%3 &amp;plusmn; %4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;B fine-tuned&lt;/td&gt;&lt;td&gt;%5 &amp;plusmn; %6&lt;/td&gt;&lt;td&gt;%7 &amp;plusmn; %8&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;B &amp;minus; A&lt;/td&gt;&lt;td&gt;%9 (95% CI %10 to %11)&lt;/td&gt;&lt;td&gt;%12 (95% CI %13 to %14)&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Wilcoxon p&lt;/td&gt;&lt;td&gt;%15&lt;/td&gt;&lt;td&gt;%16&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;p&gt;%17 paired test images, mean &amp;plusmn; SD; Wilcoxon signed-rank (%18).&lt;/p&gt;</source>
            <translation>&lt;table cellspacing=4&gt;&lt;tr&gt;&lt;th&gt;&lt;/th&gt;&lt;th&gt;Dice&lt;/th&gt;&lt;th&gt;IoU&lt;/th&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;A Zero-Shot&lt;/td&gt;&lt;td&gt;%1 &amp;plusmn; %2&lt;/td&gt;&lt;td&gt;%3 &amp;plusmn; %4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;B feinabgestimmt&lt;/td&gt;&lt;td&gt;%5 &amp;plusmn; %6&lt;/td&gt;&lt;td&gt;%7 &amp;plusmn; %8&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;B &amp;minus; A&lt;/td&gt;&lt;td&gt;%9 (95%-KI %10 bis %11)&lt;/td&gt;&lt;td&gt;%12 (95%-KI %13 bis %14)&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Wilcoxon p&lt;/td&gt;&lt;td&gt;%15&lt;/td&gt;&lt;td&gt;%16&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;p&gt;%17 gepaarte Testbilder, Mittelwert &amp;plusmn; SD; Wilcoxon-Vorzeichen-Rang-Test (%18).&lt;/p&gt;</translation>
        </message>
        <message>
            <source>zero-shot</source>
            <translation>Zero-Shot</translation>
        </message>
        <message>
            <source>fine-tuned</source>
            <translation>feinabgestimmt</translation>
        </message>
        <message>
            <source>Dice per test image</source>
            <translation>Dice je Testbild</translation>
        </message>
    </context>
    <context>
        <name>dermsam::RunPage</name>
        <message>
            <source>Run</source>
            <translation>Training</translation>
        </message>
        <message>
            <source>Embeddings are computed once, then each epoch trains the mask decoder and measures the Dice on the validation images.</source>
            <translation>Die Embeddings werden einmal berechnet, dann trainiert jede Epoche den Maskendecoder und misst den Dice auf den Validierungsbildern.</translation>
        </message>
        <message>
            <source>&amp;Resume</source>
            <translation>&amp;Fortsetzen</translation>
        </message>
        <message>
            <source>&amp;Pause</source>
            <translation>&amp;Pause</translation>
        </message>
        <message>
            <source>Pauses between training steps; the worker keeps its state.</source>
            <translation>Pausiert zwischen Trainingsschritten; der Zustand bleibt erhalten.</translation>
        </message>
        <message>
            <source>&amp;Stop</source>
            <translation>&amp;Beenden</translation>
        </message>
        <message>
            <source>Stops after the current step. The best checkpoint so far is kept and can be compared and used.</source>
            <translation>Beendet nach dem aktuellen Schritt. Der bisher beste Checkpoint bleibt erhalten und kann verglichen und verwendet werden.</translation>
        </message>
        <message>
            <source>epoch</source>
            <translation>Epoche</translation>
        </message>
        <message>
            <source>training loss</source>
            <translation>Trainingsverlust</translation>
        </message>
        <message>
            <source>validation Dice</source>
            <translation>Validierungs-Dice</translation>
        </message>
        <message>
            <source>zero-shot validation Dice</source>
            <translation>Zero-Shot-Validierungs-Dice</translation>
        </message>
        <message>
            <source>Starting...</source>
            <translation>Start …</translation>
        </message>
        <message>
            <source>Fine-tuning %1 on %2; output in %3</source>
            <translation>Feinabstimmung von %1 auf %2; Ausgabe in %3</translation>
        </message>
        <message>
            <source>Computing embeddings of the training images: %1 of %2</source>
            <translation>Embeddings der Trainingsbilder werden berechnet: %1 von %2</translation>
        </message>
        <message>
            <source>Computing embeddings of the validation images: %1 of %2</source>
            <translation>Embeddings der Validierungsbilder werden berechnet: %1 von %2</translation>
        </message>
        <message>
            <source>about %1 left</source>
            <translation>noch etwa %1</translation>
        </message>
        <message>
            <source>Epoch %1 of %2, step %3 of %4, loss %5</source>
            <translation>Epoche %1 von %2, Schritt %3 von %4, Verlust %5</translation>
        </message>
        <message>
            <source>zero-shot validation Dice %1</source>
            <translation>Zero-Shot-Validierungs-Dice %1</translation>
        </message>
        <message>
            <source>Done: best validation Dice %1 at epoch %2 (%3 epochs run).</source>
            <translation>Fertig: bester Validierungs-Dice %1 in Epoche %2 (%3 Epochen gelaufen).</translation>
        </message>
        <message>
            <source>Stopped. The best checkpoint so far (epoch %1) is kept.</source>
            <translation>Beendet. Der bisher beste Checkpoint (Epoche %1) bleibt erhalten.</translation>
        </message>
        <message>
            <source>Stopped before the first checkpoint.</source>
            <translation>Vor dem ersten Checkpoint beendet.</translation>
        </message>
        <message>
            <source>Failed: %1</source>
            <translation>Fehlgeschlagen: %1</translation>
        </message>
        <message>
            <source>checkpoint: %1</source>
            <translation>Checkpoint: %1</translation>
        </message>
        <message>
            <source>Paused after the current step.</source>
            <translation>Nach dem aktuellen Schritt pausiert.</translation>
        </message>
        <message>
            <source>Stopping after the current step...</source>
            <translation>Wird nach dem aktuellen Schritt beendet …</translation>
        </message>
    </context>
    <context>
        <name>dermsam::SavePage</name>
        <message>
            <source>Save</source>
            <translation>Speichern</translation>
        </message>
        <message>
            <source>The fine-tuned checkpoint and the report are in the output folder.</source>
            <translation>Der feinabgestimmte Checkpoint und der Bericht liegen im Ausgabeordner.</translation>
        </message>
        <message>
            <source>&amp;Use this model now</source>
            <translation>Dieses Modell jetzt &amp;verwenden</translation>
        </message>
        <message>
            <source>The viewer now uses this model</source>
            <translation>Der Viewer verwendet jetzt dieses Modell</translation>
        </message>
        <message>
            <source>Makes the fine-tuned checkpoint the viewer's model for this session; Edit &gt; Settings chooses the model that starts next time.</source>
            <translation>Macht den feinabgestimmten Checkpoint für diese Sitzung zum Modell des Viewers; Bearbeiten &gt; Einstellungen bestimmt das Modell beim nächsten Start.</translation>
        </message>
        <message>
            <source>&amp;Open output folder</source>
            <translation>Ausgabeordner ö&amp;ffnen</translation>
        </message>
        <message>
            <source>&lt;p&gt;Files:&lt;/p&gt;&lt;ul&gt;</source>
            <translation>&lt;p&gt;Dateien:&lt;/p&gt;&lt;ul&gt;</translation>
        </message>
        <message>
            <source>&lt;p&gt;Also in the folder, %1 MB (the state to resume the training, safe to delete):&lt;/p&gt;&lt;ul&gt;</source>
            <translation>&lt;p&gt;Außerdem im Ordner, %1 MB (der Stand zum Fortsetzen des Trainings, kann gelöscht werden):&lt;/p&gt;&lt;ul&gt;</translation>
        </message>
        <message>
            <source>&lt;p&gt;&lt;b&gt;The HTML report could not be written:&lt;/b&gt; %1&lt;/p&gt;</source>
            <translation>&lt;p&gt;&lt;b&gt;Der HTML-Bericht konnte nicht geschrieben werden:&lt;/b&gt; %1&lt;/p&gt;</translation>
        </message>
        <message>
            <source>&lt;p&gt;To reproduce the comparison on the command line:&lt;/p&gt;&lt;p&gt;&lt;tt&gt;%1&lt;/tt&gt;&lt;/p&gt;</source>
            <translation>&lt;p&gt;Um den Vergleich auf der Kommandozeile zu wiederholen:&lt;/p&gt;&lt;p&gt;&lt;tt&gt;%1&lt;/tt&gt;&lt;/p&gt;</translation>
        </message>
        <message>
            <source>DermSAM fine-tuning report</source>
            <translation>DermSAM-Bericht zur Feinabstimmung</translation>
        </message>
        <message>
            <source>Research tool, not a diagnostic device. Base model: %1. Data: %2. Checkpoint: %3.</source>
            <translation>Forschungswerkzeug, kein Diagnosegerät. Basismodell: %1. Daten: %2. Checkpoint: %3.</translation>
        </message>
        <message>
            <source>Training</source>
            <translation>Training</translation>
        </message>
        <message>
            <source>%1 training and %2 validation images; %3 epochs run; best validation Dice %4 at epoch %5. Learning rate %6, batch size %7, box jitter %8 px, patience %9, seed %10.</source>
            <translation>%1 Trainings- und %2 Validierungsbilder; %3 Epochen gelaufen; bester Validierungs-Dice %4 in Epoche %5. Lernrate %6, Batchgröße %7, Box-Jitter %8 px, Geduld %9, Seed %10.</translation>
        </message>
        <message>
            <source>Test split: zero-shot (A) vs fine-tuned (B)</source>
            <translation>Testaufteilung: Zero-Shot (A) gegen feinabgestimmt (B)</translation>
        </message>
        <message>
            <source>Both models prompted with %1.</source>
            <translation>Prompt beider Modelle: %1.</translation>
        </message>
        <message>
            <source>Dice</source>
            <translation>Dice</translation>
        </message>
        <message>
            <source>IoU</source>
            <translation>IoU</translation>
        </message>
        <message>
            <source>n = %1 paired images. Dice B - A %2 (95% CI %3 to %4), Wilcoxon p = %5 (%6). IoU B - A %7 (95% CI %8 to %9), p = %10.</source>
            <translation>n = %1 gepaarte Bilder. Dice B - A %2 (95%-KI %3 bis %4), Wilcoxon p = %5 (%6). IoU B - A %7 (95%-KI %8 bis %9), p = %10.</translation>
        </message>
        <message>
            <source>Per-image values (as dermsam-cli compare --report writes them):</source>
            <translation>Werte je Bild (wie dermsam-cli compare --report sie schreibt):</translation>
        </message>
    </context>
    <context>
        <name>dermsam::SettingsDialog</name>
        <message>
            <source>Settings</source>
            <translation>Einstellungen</translation>
        </message>
        <message>
            <source>Built-in default model</source>
            <translation>Eingebautes Standardmodell</translation>
        </message>
        <message>
            <source>Browse...</source>
            <translation>Durchsuchen …</translation>
        </message>
        <message>
            <source>Model checkpoint:</source>
            <translation>Modell-Checkpoint:</translation>
        </message>
        <message>
            <source>As stored in the checkpoint</source>
            <translation>Wie im Checkpoint gespeichert</translation>
        </message>
        <message>
            <source>MedSAM (1024 x 1024, min-max)</source>
            <translation>MedSAM (1024 × 1024, Min-Max)</translation>
        </message>
        <message>
            <source>SAM (longest side 1024, mean/std)</source>
            <translation>SAM (längste Seite 1024, Mittelwert/Std.)</translation>
        </message>
        <message>
            <source>LiteMedSAM (longest side 256, min-max)</source>
            <translation>LiteMedSAM (längste Seite 256, Min-Max)</translation>
        </message>
        <message>
            <source>Preprocessing:</source>
            <translation>Vorverarbeitung:</translation>
        </message>
        <message>
            <source>Automatic (CUDA when present)</source>
            <translation>Automatisch (CUDA, falls vorhanden)</translation>
        </message>
        <message>
            <source>Automatic (no CUDA device found: CPU)</source>
            <translation>Automatisch (kein CUDA-Gerät gefunden: CPU)</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>CUDA (GPU)</source>
            <translation>CUDA (GPU)</translation>
        </message>
        <message>
            <source>Device:</source>
            <translation>Gerät:</translation>
        </message>
        <message>
            <source>Float32 (reference numbers)</source>
            <translation>Float32 (Referenzwerte)</translation>
        </message>
        <message>
            <source>Float32 with TF32 products (faster on NVIDIA GPUs)</source>
            <translation>Float32 mit TF32-Produkten (schneller auf NVIDIA-GPUs)</translation>
        </message>
        <message>
            <source>BFloat16 (fastest on recent GPUs)</source>
            <translation>BFloat16 (am schnellsten auf neueren GPUs)</translation>
        </message>
        <message>
            <source>Float16</source>
            <translation>Float16</translation>
        </message>
        <message>
            <source>How the model computes on a GPU. On the CPU it always uses float32. Reduced precision changes masks slightly.</source>
            <translation>Wie das Modell auf einer GPU rechnet. Auf der CPU rechnet es immer in Float32. Geringere Genauigkeit verändert Masken geringfügig.</translation>
        </message>
        <message>
            <source>GPU precision:</source>
            <translation>GPU-Genauigkeit:</translation>
        </message>
        <message>
            <source>All cores (%1)</source>
            <translation>Alle Kerne (%1)</translation>
        </message>
        <message>
            <source>CPU threads:</source>
            <translation>CPU-Threads:</translation>
        </message>
        <message>
            <source>Off</source>
            <translation>Aus</translation>
        </message>
        <message>
            <source>Mirrored left-right (2 encoder runs)</source>
            <translation>Links-rechts gespiegelt (2 Encoder-Läufe)</translation>
        </message>
        <message>
            <source>Mirrored both ways (3 encoder runs)</source>
            <translation>In beide Richtungen gespiegelt (3 Encoder-Läufe)</translation>
        </message>
        <message>
            <source>All mirrors and quarter turns (8 encoder runs)</source>
            <translation>Alle Spiegelungen und Vierteldrehungen (8 Encoder-Läufe)</translation>
        </message>
        <message>
            <source>Also segments mirrored copies of the image and averages the answers: smoother outlines, more time per image. Not for SAM-profile models.</source>
            <translation>Segmentiert auch gespiegelte Kopien des Bildes und mittelt die Ergebnisse: glattere Umrisse, mehr Zeit pro Bild. Nicht für Modelle mit SAM-Profil.</translation>
        </message>
        <message>
            <source>Test-time augmentation:</source>
            <translation>Test-Time-Augmentierung:</translation>
        </message>
        <message>
            <source>Outline the lesion automatically when an image opens</source>
            <translation>Läsion beim Öffnen eines Bildes automatisch umranden</translation>
        </message>
        <message>
            <source>Runs Edit &gt; Auto Outline on every image opened without a saved mask. The result is an ordinary mask: accept, edit or redo it.</source>
            <translation>Führt Bearbeiten &gt; Automatisch umranden für jedes Bild ohne gespeicherte Maske aus. Das Ergebnis ist eine gewöhnliche Maske: übernehmen, bearbeiten oder neu bestimmen.</translation>
        </message>
        <message>
            <source> MB</source>
            <translation> MB</translation>
        </message>
        <message>
            <source>Image embeddings are kept on disk, so an image opened again needs no encoder run. The least recently used are deleted beyond this size; lower it to free disk space. The cache can be deleted at any time.</source>
            <translation>Bild-Embeddings werden auf der Festplatte aufbewahrt, damit ein erneut geöffnetes Bild keinen Encoder-Lauf braucht. Über dieser Größe werden die am längsten nicht benutzten gelöscht; ein kleinerer Wert gibt Speicherplatz frei. Der Cache kann jederzeit gelöscht werden.</translation>
        </message>
        <message>
            <source>Embedding cache:</source>
            <translation>Embedding-Cache:</translation>
        </message>
        <message>
            <source>Clear</source>
            <translation>Leeren</translation>
        </message>
        <message>
            <source>Deletes the viewer's cached embeddings now. They are derived from the images opened, so clear them before handing the computer on; they are made again when needed.</source>
            <translation>Löscht die zwischengespeicherten Embeddings des Viewers sofort. Sie sind aus den geöffneten Bildern abgeleitet; leeren Sie sie daher, bevor Sie den Rechner weitergeben. Bei Bedarf werden sie neu berechnet.</translation>
        </message>
        <message>
            <source>System language</source>
            <translation>Systemsprache</translation>
        </message>
        <message>
            <source>Language:</source>
            <translation>Sprache:</translation>
        </message>
        <message>
            <source>Operator:</source>
            <translation>Bearbeiter:</translation>
        </message>
        <message>
            <source>Saved with each mask as the person who made it.</source>
            <translation>Wird mit jeder Maske als die Person gespeichert, die sie erstellt hat.</translation>
        </message>
        <message>
            <source>Largest image:</source>
            <translation>Größtes Bild:</translation>
        </message>
        <message>
            <source>Flag area change of:</source>
            <translation>Flächenänderung melden ab:</translation>
        </message>
        <message>
            <source> % or more</source>
            <translation> % oder mehr</translation>
        </message>
        <message>
            <source>Tools &gt; Compare with Earlier Visit flags a lesion whose area changed by at least this much since the earlier visit</source>
            <translation>Werkzeuge &gt; Mit früherem Besuch vergleichen markiert eine Läsion, deren Fläche sich seit dem früheren Besuch mindestens so stark geändert hat</translation>
        </message>
        <message>
            <source> megapixels</source>
            <translation> Megapixel</translation>
        </message>
        <message>
            <source>Larger images are refused before they are read, so that a damaged or hostile file cannot take all the memory.</source>
            <translation>Größere Bilder werden abgelehnt, bevor sie gelesen werden, damit eine beschädigte oder bösartige Datei nicht den ganzen Speicher belegt.</translation>
        </message>
        <message>
            <source>%1 MB in use</source>
            <translation>%1 MB belegt</translation>
        </message>
        <message>
            <source>Choose a model checkpoint</source>
            <translation>Modell-Checkpoint wählen</translation>
        </message>
        <message>
            <source>Model checkpoints (*.pth *.pt *.safetensors);;All files (*)</source>
            <translation>Modell-Checkpoints (*.pth *.pt *.safetensors);;Alle Dateien (*)</translation>
        </message>
    </context>
    <context>
        <name>dermsam::SettingsPage</name>
        <message>
            <source>Output folder</source>
            <translation>Ausgabeordner</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Einstellungen</translation>
        </message>
        <message>
            <source>The defaults are those of the PEFT-MedSAM recipe and of dermsam-cli finetune; they suit most datasets.</source>
            <translation>Die Voreinstellungen sind die des PEFT-MedSAM-Rezepts und von dermsam-cli finetune; sie passen für die meisten Datensätze.</translation>
        </message>
        <message>
            <source>&amp;Start training</source>
            <translation>Training &amp;starten</translation>
        </message>
        <message>
            <source> px</source>
            <translation> px</translation>
        </message>
        <message>
            <source>never stop early</source>
            <translation>nie vorzeitig beenden</translation>
        </message>
        <message>
            <source>Brow&amp;se...</source>
            <translation>Durch&amp;suchen …</translation>
        </message>
        <message>
            <source>Epochs:</source>
            <translation>Epochen:</translation>
        </message>
        <message>
            <source>Learning rate:</source>
            <translation>Lernrate:</translation>
        </message>
        <message>
            <source>Batch size:</source>
            <translation>Batchgröße:</translation>
        </message>
        <message>
            <source>Box jitter:</source>
            <translation>Box-Jitter:</translation>
        </message>
        <message>
            <source>Early-stopping patience:</source>
            <translation>Geduld für vorzeitiges Beenden:</translation>
        </message>
        <message>
            <source>Seed:</source>
            <translation>Seed:</translation>
        </message>
        <message>
            <source>Output folder:</source>
            <translation>Ausgabeordner:</translation>
        </message>
        <message>
            <source>Test prompts:</source>
            <translation>Test-Prompts:</translation>
        </message>
        <message>
            <source>Passes over the training images. 10 is usually enough; the best epoch is kept.</source>
            <translation>Durchläufe über die Trainingsbilder. 10 reichen meist; die beste Epoche wird behalten.</translation>
        </message>
        <message>
            <source>AdamW step size (weight decay 0.01). 0.0001 is the tested default; lower it if the validation Dice jumps around.</source>
            <translation>AdamW-Schrittweite (Weight Decay 0,01). 0,0001 ist die erprobte Voreinstellung; verringern Sie sie, wenn der Validierungs-Dice stark schwankt.</translation>
        </message>
        <message>
            <source>Images per step. Larger is smoother and needs more memory.</source>
            <translation>Bilder pro Schritt. Größer ist gleichmäßiger und braucht mehr Speicher.</translation>
        </message>
        <message>
            <source>Each side of the training box moves outward by up to this much (1024-pixel frame), so the model tolerates loose boxes.</source>
            <translation>Jede Seite der Trainingsbox wird um bis zu diesen Betrag nach außen verschoben (1024-Pixel-Rahmen), damit das Modell lockere Boxen toleriert.</translation>
        </message>
        <message>
            <source>Stop after this many epochs without a better validation Dice.</source>
            <translation>Nach so vielen Epochen ohne besseren Validierungs-Dice beenden.</translation>
        </message>
        <message>
            <source>Same seed, same data and settings: the same model on the CPU.</source>
            <translation>Gleicher Seed, gleiche Daten und Einstellungen: auf der CPU dasselbe Modell.</translation>
        </message>
        <message>
            <source>The checkpoint, the split used and the reports are written here.</source>
            <translation>Der Checkpoint, die verwendete Aufteilung und die Berichte werden hierhin geschrieben.</translation>
        </message>
        <message>
            <source>How both models are prompted from each test mask for the final comparison (dermsam-cli compare --prompt).</source>
            <translation>Wie beide Modelle für den abschließenden Vergleich aus jeder Testmaske gepromptet werden (dermsam-cli compare --prompt).</translation>
        </message>
        <message>
            <source>Ground-truth box</source>
            <translation>Box der Referenzmaske</translation>
        </message>
        <message>
            <source>Jittered box (each side up to 20 px outward)</source>
            <translation>Verrauschte Box (jede Seite bis zu 20 px nach außen)</translation>
        </message>
        <message>
            <source>One click inside the lesion</source>
            <translation>Ein Klick in die Läsion</translation>
        </message>
    </context>
    <context>
        <name>dermsam::SplitPage</name>
        <message>
            <source>Split file</source>
            <translation>Aufteilungsdatei</translation>
        </message>
        <message>
            <source>Split files (*.txt *.csv);;All files (*)</source>
            <translation>Aufteilungsdateien (*.txt *.csv);;Alle Dateien (*)</translation>
        </message>
        <message>
            <source>Split</source>
            <translation>Aufteilung</translation>
        </message>
        <message>
            <source>Training images teach the model, validation images pick the best epoch, and test images are kept apart for the final comparison.</source>
            <translation>Trainingsbilder lehren das Modell, Validierungsbilder wählen die beste Epoche, und Testbilder bleiben für den abschließenden Vergleich getrennt.</translation>
        </message>
        <message>
            <source>Use a &amp;split file (one "id split" per line)</source>
            <translation>Eine Aufteilungs&amp;datei verwenden (eine Zeile „ID Aufteilung“ je Bild)</translation>
        </message>
        <message>
            <source>Make a seeded &amp;random split</source>
            <translation>Eine reproduzierbare &amp;zufällige Aufteilung erzeugen</translation>
        </message>
        <message>
            <source>B&amp;rowse...</source>
            <translation>Du&amp;rchsuchen …</translation>
        </message>
        <message>
            <source>Training share:</source>
            <translation>Anteil Training:</translation>
        </message>
        <message>
            <source>Validation share:</source>
            <translation>Anteil Validierung:</translation>
        </message>
        <message>
            <source>Test share:</source>
            <translation>Anteil Test:</translation>
        </message>
        <message>
            <source>Seed (same seed, same split):</source>
            <translation>Seed (gleicher Seed, gleiche Aufteilung):</translation>
        </message>
        <message>
            <source>Choose a split file, or make a random split.</source>
            <translation>Wählen Sie eine Aufteilungsdatei oder erzeugen Sie eine zufällige Aufteilung.</translation>
        </message>
        <message>
            <source>Counting...</source>
            <translation>Zählen …</translation>
        </message>
        <message>
            <source>The shares must not be negative and must not all be zero.</source>
            <translation>Die Anteile dürfen nicht negativ und nicht alle null sein.</translation>
        </message>
        <message>
            <source>Training: %1 images, validation: %2, test: %3.</source>
            <translation>Training: %1 Bilder, Validierung: %2, Test: %3.</translation>
        </message>
        <message>
            <source>%1 ids of the file are not in the folder; %2 images of the folder are in no split.</source>
            <translation>%1 IDs der Datei fehlen im Ordner; %2 Bilder des Ordners sind in keiner Aufteilung.</translation>
        </message>
        <message>
            <source>Training and test need at least one image each.</source>
            <translation>Training und Test brauchen je mindestens ein Bild.</translation>
        </message>
    </context>
    <context>
        <name>dermsam::ViewerSession</name>
        <message>
            <source>Drag a box around the lesion, or click points on it.</source>
            <translation>Ziehen Sie einen Rahmen um die Läsion oder klicken Sie Punkte darauf.</translation>
        </message>
        <message numerus="yes">
            <source>Unsaved edits of %n image(s) were kept when DermSAM last ended unexpectedly: open an image to restore its edits.</source>
            <translation>
                <numerusform>Nicht gespeicherte Änderungen an %n Bild wurden aufbewahrt, als DermSAM zuletzt unerwartet beendet wurde: Öffnen Sie das Bild, um sie wiederherzustellen.</numerusform>
                <numerusform>Nicht gespeicherte Änderungen an %n Bildern wurden aufbewahrt, als DermSAM zuletzt unerwartet beendet wurde: Öffnen Sie ein Bild, um seine Änderungen wiederherzustellen.</numerusform>
            </translation>
        </message>
        <message>
            <source>The sample image could not be copied to %1.</source>
            <translation>Das Beispielbild konnte nicht nach %1 kopiert werden.</translation>
        </message>
        <message>
            <source>Opening %1...</source>
            <translation>%1 wird geöffnet …</translation>
        </message>
        <message>
            <source>The saved mask or calibration beside this image was not used: %1</source>
            <translation>Die gespeicherte Maske oder Kalibrierung neben diesem Bild wurde nicht verwendet: %1</translation>
        </message>
        <message>
            <source>Showing the mask saved earlier. Draw a box or points to segment again.</source>
            <translation>Die früher gespeicherte Maske wird angezeigt. Zeichnen Sie einen Rahmen oder Punkte, um neu zu segmentieren.</translation>
        </message>
        <message>
            <source>Image opened. Waiting for the model...</source>
            <translation>Bild geöffnet. Warte auf das Modell …</translation>
        </message>
        <message>
            <source>No image is open.</source>
            <translation>Es ist kein Bild geöffnet.</translation>
        </message>
        <message>
            <source>Saved %1</source>
            <translation>%1 gespeichert</translation>
        </message>
        <message>
            <source>Unsaved edits restored: save them with Ctrl+S.</source>
            <translation>Nicht gespeicherte Änderungen wiederhergestellt: mit Strg+S speichern.</translation>
        </message>
        <message>
            <source>The model is still loading.</source>
            <translation>Das Modell wird noch geladen.</translation>
        </message>
        <message>
            <source>Auto found no lesion in this image: drag a box around it, or click on it.</source>
            <translation>Die automatische Umrandung hat in diesem Bild keine Läsion gefunden: ziehen Sie einen Rahmen um sie oder klicken Sie auf sie.</translation>
        </message>
        <message>
            <source>Lesion outlined automatically in %1 ms: accept it, edit it, or draw a box to redo it.</source>
            <translation>Läsion in %1 ms automatisch umrandet: übernehmen, bearbeiten oder mit einem Rahmen neu bestimmen.</translation>
        </message>
        <message>
            <source>Mask computed in %1 ms.</source>
            <translation>Maske in %1 ms berechnet.</translation>
        </message>
        <message>
            <source>No heatmap: a different model made the saved mask. Draw a box to segment it with this one.</source>
            <translation>Keine Heatmap: Die gespeicherte Maske stammt von einem anderen Modell. Ziehen Sie einen Rahmen, um mit diesem Modell zu segmentieren.</translation>
        </message>
        <message>
            <source>No heatmap: the mask was not made by the model. Draw a box to get one.</source>
            <translation>Keine Heatmap: Die Maske stammt nicht vom Modell. Ziehen Sie einen Rahmen, um eine zu erhalten.</translation>
        </message>
        <message>
            <source>The heatmap could not be computed: %1</source>
            <translation>Die Heatmap konnte nicht berechnet werden: %1</translation>
        </message>
        <message>
            <source>Calibrated: %1 mm per pixel.</source>
            <translation>Kalibriert: %1 mm pro Pixel.</translation>
        </message>
        <message>
            <source>Calibrated for this session only: %1</source>
            <translation>Nur für diese Sitzung kalibriert: %1</translation>
        </message>
        <message>
            <source>Comparing with %1...</source>
            <translation>Vergleich mit %1 …</translation>
        </message>
        <message>
            <source>Follow-up</source>
            <translation>Verlaufskontrolle</translation>
        </message>
        <message>
            <source>Change</source>
            <translation>Veränderung</translation>
        </message>
    </context>
    <context>
        <name>dermsam::WorklistView</name>
        <message>
            <source>Not done</source>
            <translation>Nicht erledigt</translation>
        </message>
        <message>
            <source>Marked not done by hand (a mask is saved)</source>
            <translation>Von Hand als nicht erledigt markiert (eine Maske ist gespeichert)</translation>
        </message>
        <message>
            <source>Done: mask saved</source>
            <translation>Erledigt: Maske gespeichert</translation>
        </message>
        <message>
            <source>Marked done by hand (no mask saved)</source>
            <translation>Von Hand als erledigt markiert (keine Maske gespeichert)</translation>
        </message>
        <message>
            <source>Click an image to open it. Page Down / Page Up: next / previous image. A full tick: its mask is saved; a partial tick: you marked it done (D) without saving a mask.</source>
            <translation>Ein Klick öffnet ein Bild. Bild ab / Bild auf: nächstes / vorheriges Bild. Ein voller Haken: seine Maske ist gespeichert; ein halber Haken: Sie haben es ohne gespeicherte Maske als erledigt markiert (D).</translation>
        </message>
    </context>
    <context>
        <name>dermsam::ErrorText</name>
        <message>
            <source>The file %1 does not exist.</source>
            <translation>Die Datei %1 existiert nicht.</translation>
        </message>
        <message>
            <source>The file %1 cannot be read (check its permissions).</source>
            <translation>Die Datei %1 kann nicht gelesen werden (prüfen Sie die Zugriffsrechte).</translation>
        </message>
        <message>
            <source>Could not write %1 (check the folder's permissions and free space). Existing files were left as they were.</source>
            <translation>%1 konnte nicht geschrieben werden (prüfen Sie Zugriffsrechte und freien Speicher des Ordners). Vorhandene Dateien blieben unverändert.</translation>
        </message>
        <message>
            <source>%1 is not an image format DermSAM can read.</source>
            <translation>%1 ist kein Bildformat, das DermSAM lesen kann.</translation>
        </message>
        <message>
            <source>%1 is damaged or incomplete.</source>
            <translation>%1 ist beschädigt oder unvollständig.</translation>
        </message>
        <message>
            <source>%1 has more pixels than DermSAM opens (Edit &gt; Settings &gt; Largest image, 200 megapixels unless changed there); it was not opened.</source>
            <translation>%1 hat mehr Pixel, als DermSAM öffnet (Bearbeiten &gt; Einstellungen &gt; Größtes Bild, 200 Megapixel, sofern dort nicht geändert); es wurde nicht geöffnet.</translation>
        </message>
        <message>
            <source>%1 is a DICOM file DermSAM cannot display (no pixel data, several frames or an unsupported compression).</source>
            <translation>%1 ist eine DICOM-Datei, die DermSAM nicht anzeigen kann (keine Pixeldaten, mehrere Frames oder nicht unterstützte Kompression).</translation>
        </message>
        <message>
            <source>The DICOM data dictionary is missing: set DCMDICTPATH to dicom.dic.</source>
            <translation>Das DICOM-Datenwörterbuch fehlt: setzen Sie DCMDICTPATH auf dicom.dic.</translation>
        </message>
        <message>
            <source>The mask is empty or has an unusable format.</source>
            <translation>Die Maske ist leer oder hat ein unbrauchbares Format.</translation>
        </message>
        <message>
            <source>%1 is not a model checkpoint DermSAM can read (.pth or .safetensors).</source>
            <translation>%1 ist kein Modell-Checkpoint, den DermSAM lesen kann (.pth oder .safetensors).</translation>
        </message>
        <message>
            <source>%1 contains code, not only weights; it was refused for safety.</source>
            <translation>%1 enthält Code, nicht nur Gewichte; die Datei wurde aus Sicherheitsgründen abgelehnt.</translation>
        </message>
        <message>
            <source>%1 is not a SAM or MedSAM model checkpoint.</source>
            <translation>%1 ist kein SAM- oder MedSAM-Checkpoint.</translation>
        </message>
        <message>
            <source>CUDA is not available on this computer: choose CPU or Automatic in Settings.</source>
            <translation>CUDA ist auf diesem Rechner nicht verfügbar: wählen Sie in den Einstellungen CPU oder Automatisch.</translation>
        </message>
        <message>
            <source>The prompt lies outside the image.</source>
            <translation>Der Prompt liegt außerhalb des Bildes.</translation>
        </message>
        <message>
            <source>No model is loaded. Choose a checkpoint (MedSAM or SAM .pth, .safetensors) in Settings.</source>
            <translation>Kein Modell geladen. Wählen Sie in den Einstellungen einen Checkpoint (MedSAM oder SAM, .pth, .safetensors).</translation>
        </message>
        <message>
            <source>Unexpected error (%1).</source>
            <translation>Unerwarteter Fehler (%1).</translation>
        </message>
        <message>
            <source>The model could not be loaded: %1</source>
            <translation>Das Modell konnte nicht geladen werden: %1</translation>
        </message>
        <message>
            <source>The image could not be encoded: %1</source>
            <translation>Das Bild konnte nicht kodiert werden: %1</translation>
        </message>
        <message>
            <source>The mask could not be computed: %1</source>
            <translation>Die Maske konnte nicht berechnet werden: %1</translation>
        </message>
    </context>
    <context>
        <name>dermsam::MaskCommands</name>
        <message>
            <source>Erase</source>
            <translation>Radieren</translation>
        </message>
        <message>
            <source>Brush</source>
            <translation>Pinsel</translation>
        </message>
        <message>
            <source>Model mask</source>
            <translation>Modellmaske</translation>
        </message>
        <message>
            <source>Restored edits</source>
            <translation>Wiederhergestellte Änderungen</translation>
        </message>
    </context>
    <context>
        <name>main</name>
        <message>
            <source>Dermoscopy lesion segmentation with explanations</source>
            <translation>Segmentierung von Hautläsionen in Dermatoskopiebildern, mit Erklärungen</translation>
        </message>
        <message>
            <source>Image or folder to open.</source>
            <translation>Zu öffnendes Bild oder Ordner.</translation>
        </message>
        <message>
            <source>Model checkpoint for this session (overrides the settings).</source>
            <translation>Modell-Checkpoint für diese Sitzung (überschreibt die Einstellungen).</translation>
        </message>
    </context>
</TS>
